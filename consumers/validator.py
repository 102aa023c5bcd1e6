"""Validator stage: per message JSON + contract checks, per batch the Great Expectations suite.

Valid events go to `events.valid` (normalised JSON, keyed by business id); anything
else goes to `events.dlq` with reason codes. Never one GX call per event.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Callable, Sequence

from consumers.dlq import dlq_message
from consumers.loop import Outcome, Outgoing
from netra.contracts.decode import decode
from netra.contracts.events import key_for
from netra.settings import INGRESS_TOPICS, TOPIC_VALID

BatchRules = Callable[[list[dict]], list[list[str]]]


def default_batch_rules(events: list[dict]) -> list[list[str]]:
    from expectations.events import validate_batch

    return validate_batch(events, today=date.today())


def encode_event(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class Validator:
    max_message_bytes: int = 262144
    batch_rules: BatchRules = default_batch_rules
    name: str = "validator"
    input_topics: Sequence[str] = INGRESS_TOPICS

    def process(self, records: Sequence) -> Outcome:
        outcome = Outcome()
        decoded = [(r, decode(r.value, r.topic, self.max_message_bytes)) for r in records]
        good = [(r, d.event) for r, d in decoded if d.ok]
        for r, d in decoded:
            if not d.ok:
                outcome.rejected.append(dlq_message(r, d.reasons, self.name))
        domain_reasons = self.batch_rules([e for _, e in good]) if good else []
        if len(domain_reasons) != len(good):  # never drop an event silently
            raise RuntimeError(f"batch rules returned {len(domain_reasons)} results for {len(good)} events")
        for (r, event), reasons in zip(good, domain_reasons):
            if reasons:
                outcome.rejected.append(dlq_message(r, reasons, self.name))
            else:
                outcome.forward.append(Outgoing(TOPIC_VALID, encode_event(event), key_for(event),
                                                (("netra.source_topic", r.topic.encode()),)))
        return outcome
