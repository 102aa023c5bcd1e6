"""Validator stage: per message JSON + contract checks, per batch the Great Expectations suite.

Valid events go to `events.valid` (normalised JSON, keyed by business id, with the
ingress topic/partition/offset in headers); anything else goes to `events.dlq` with
reason codes. Never one GX call per event.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import cast

from consumers.dlq import dlq_message
from consumers.loop import Outcome, Outgoing
from netra.contracts.codec import encode_event
from netra.contracts.decode import decode
from netra.contracts.events import key_for
from netra.contracts.headers import H_SOURCE_OFFSET, H_SOURCE_PARTITION, H_SOURCE_TOPIC, POSITION_HEADERS
from netra.contracts.topics import STAGE_INPUTS, TOPIC_VALID

WIB = timezone(timedelta(hours=7))
#: (the report's subjects' NIPs, how many subjects had no NIP), as the validator knows a report
Subjects = tuple[frozenset, int]
#: batch rules(events, per event the subjects its decision is checked against, None: the report is unknown)
BatchRules = Callable[[list[dict], Sequence[Subjects | None]], list[list[str]]]


def default_batch_rules(events: list[dict], report_subjects: Sequence[Subjects | None]) -> list[list[str]]:
    """Apply the batch-level domain rules; return the reasons for each event (empty when valid)."""
    from expectations.events import validate_batch

    # "not in the future" is judged on Indonesian (WIB) calendar days, whatever the host's time zone
    return validate_batch(events, today=datetime.now(WIB).date(), report_subjects=report_subjects)


class ReportIndex(OrderedDict):
    """report_id -> (its subjects' NIPs, how many subjects had no NIP), for the reports seen (bounded).

    report.filed and report.decided share the Kafka key report_id, so a decision is
    validated by the instance that saw its filing. It backs the rule "proven_nips are
    subjects of the report" (checked only when the report is known).
    """

    def __init__(self, max_reports: int = 500_000):
        super().__init__()
        self.max_reports = max_reports

    def remember(self, event: dict) -> None:
        """Record the subjects of a report.filed event, dropping the oldest report beyond the bound."""
        if event.get("event_type") != "report.filed":
            return
        payload = event["payload"]
        nips = frozenset(s["nip"] for s in payload["subjects"] if s.get("nip"))
        self[payload["report_id"]] = (nips, sum(1 for s in payload["subjects"] if not s.get("nip")))
        self.move_to_end(payload["report_id"])
        while len(self) > self.max_reports:
            self.popitem(last=False)

    def load(self, conn) -> int:
        """Warm start from the reports already landed in raw.events."""
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT DISTINCT ON (payload->>'report_id') payload->>'report_id', "
                "ARRAY(SELECT s->>'nip' FROM jsonb_array_elements(payload->'subjects') s WHERE s->>'nip' IS NOT NULL), "
                "jsonb_array_length(payload->'subjects') "
                "FROM raw.events WHERE event_type = 'report.filed' ORDER BY payload->>'report_id', occurred_at DESC")
            for report_id, nips, subjects in cur:
                self[report_id] = (frozenset(nips), subjects - len(nips))
        return len(self)


@dataclass
class Validator:
    """The validator stage: decodes and checks ingress records, forwarding the valid and rejecting the rest."""

    max_message_bytes: int = 262144
    batch_rules: BatchRules = default_batch_rules
    reports: ReportIndex = field(default_factory=ReportIndex)
    name: str = "validator"
    input_topics: Sequence[str] = STAGE_INPUTS["validator"]

    def catch_up(self, records: Sequence) -> int:
        """Remember the filings among already-validated ingress records (replayed after a restart); how many."""
        seen = 0
        for r in records:
            decoded = decode(r.value, r.topic, self.max_message_bytes)
            event = cast(dict, decoded.event)  # an event whenever decoded.ok
            if decoded.ok and event["event_type"] == "report.filed":
                self.reports.remember(event)
                seen += 1
        return seen

    def process(self, records: Sequence) -> Outcome:
        """Validate a batch of records and return what to forward and what to reject."""
        outcome = Outcome()
        decoded = [(r, decode(r.value, r.topic, self.max_message_bytes)) for r in records]
        good = [(r, cast(dict, d.event)) for r, d in decoded if d.ok]  # an event whenever d.ok
        for r, d in decoded:
            if not d.ok:
                outcome.rejected.append(dlq_message(r, d.reasons, self.name))
        # A decision is checked against the filings up to its own place in the stream: those earlier in this
        # batch count, a correction filed after it does not, wherever the batch happens to end (a restart or a
        # rebalance moves the boundaries; the outcome must not move with them).
        subjects_at: list[Subjects | None] = []
        for _, event in good:
            self.reports.remember(event)
            subjects_at.append(self.reports.get(event["payload"].get("report_id"))
                               if event["event_type"] == "report.decided" else None)
        domain_reasons = self.batch_rules([e for _, e in good], subjects_at) if good else []
        if len(domain_reasons) != len(good):  # never drop an event silently
            raise RuntimeError(f"batch rules returned {len(domain_reasons)} results for {len(good)} events")
        for (r, event), reasons in zip(good, domain_reasons):
            if reasons:
                outcome.rejected.append(dlq_message(r, reasons, self.name))
            else:
                # original headers travel on (a replay's reporter key among them), plus the ingress position
                carried = tuple((k, v) for k, v in (r.headers or ()) if k not in POSITION_HEADERS)
                headers = carried + ((H_SOURCE_TOPIC, r.topic.encode()),
                                     (H_SOURCE_PARTITION, str(r.partition).encode()),
                                     (H_SOURCE_OFFSET, str(r.offset).encode()))
                outcome.forward.append(Outgoing(TOPIC_VALID, encode_event(event), key_for(event), headers))
        return outcome
