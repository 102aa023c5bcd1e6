"""Enricher stage: events.valid -> events.enriched (see netra.enrichment for what is added)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Sequence

from consumers.dlq import H_REPORTER_KEY, dlq_message
from consumers.loop import Outcome, Outgoing
from consumers.validator import encode_event
from netra.enrichment import enrich, open_reporter_key, unmatched_agencies
from netra.settings import TOPIC_ENRICHED, TOPIC_VALID


@dataclass
class Enricher:
    secret: bytes
    name: str = "enricher"
    input_topics: Sequence[str] = (TOPIC_VALID,)
    #: counted so operators see when agency aliases need adding (also queryable in raw.events)
    stats: dict = field(default_factory=lambda: {"agency_unmatched": 0})

    def process(self, records: Sequence) -> Outcome:
        outcome = Outcome()
        for r in records:
            try:
                event = json.loads(r.value)
                sealed = dict(r.headers or ()).get(H_REPORTER_KEY)
                hint = open_reporter_key(self.secret, sealed.decode("utf-8", "replace")) if sealed else None
                enriched = enrich(event, self.secret, hint)
            except (ValueError, KeyError, TypeError) as exc:
                # events.valid is written by the validator only; a bad record here is a bug upstream,
                # but it still must not stop the stream or vanish.
                outcome.rejected.append(dlq_message(r, [f"enrich.failed:{type(exc).__name__}"], self.name))
                continue
            self.stats["agency_unmatched"] += unmatched_agencies(enriched)
            outcome.forward.append(Outgoing(TOPIC_ENRICHED, encode_event(enriched), r.key, tuple(r.headers or ())))
        return outcome
