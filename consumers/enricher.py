"""Enricher stage: events.valid -> events.enriched (see netra.enrichment for what is added).

Only the validator writes events.valid, but the enricher does not trust that: every
message is checked against the v1 event models first, and one that fails (or that the
enrichment cannot handle) goes to events.dlq with reason codes while the stream goes on.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from consumers.dlq import dlq_message
from consumers.loop import Outcome, Outgoing
from netra.contracts.codec import encode_event
from netra.contracts.decode import INTERNAL_MAX_BYTES, decode
from netra.contracts.headers import H_REPORTER_KEY
from netra.contracts.topics import STAGE_INPUTS, TOPIC_ENRICHED
from netra.enrichment import enrich, open_reporter_key, unmatched_agencies


@dataclass
class Enricher:
    """The enricher stage: enriches valid events and forwards them to events.enriched."""

    secret: bytes
    name: str = "enricher"
    input_topics: Sequence[str] = STAGE_INPUTS["enricher"]
    #: counted so operators see when agency aliases need adding (also queryable in raw.events)
    stats: dict = field(default_factory=lambda: {"agency_unmatched": 0})

    def process(self, records: Sequence) -> Outcome:
        """Enrich each record of the batch, rejecting the ones that cannot be enriched."""
        outcome = Outcome()
        for r in records:
            # events.valid holds every event type: the model is checked, the topic/type match is not
            decoded = decode(r.value, None, INTERNAL_MAX_BYTES)
            if not decoded.ok:
                outcome.rejected.append(dlq_message(r, decoded.reasons, self.name))
                continue
            try:
                sealed = dict(r.headers or ()).get(H_REPORTER_KEY)
                hint = open_reporter_key(self.secret, sealed.decode("utf-8", "replace")) if sealed else None
                enriched = enrich(cast(dict, decoded.event), self.secret, hint)  # an event: decoded.ok
            except (ValueError, KeyError, TypeError) as exc:
                # a valid event the enrichment cannot handle is a bug here; it still must not stop the stream
                outcome.rejected.append(dlq_message(r, [f"enrich.failed:{type(exc).__name__}"], self.name))
                continue
            self.stats["agency_unmatched"] += unmatched_agencies(enriched)
            outcome.forward.append(Outgoing(TOPIC_ENRICHED, encode_event(enriched), r.key, tuple(r.headers or ())))
        return outcome
