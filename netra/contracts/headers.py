"""Kafka header names Netra writes and reads, and the contract of a dead-letter record's headers.

Defined once here and imported by the stages, the sink, `netra dlq` and the tests. A DLQ
record (topic `events.dlq`) is the rejected message's original key and bytes, its original
headers, then the `netra.*` headers below; `dlq_headers` checks them on the way into the
warehouse, so a forged or broken DLQ record is refused with a reason instead of crashing the sink.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from netra.contracts.reasons import CODES
from netra.contracts.topics import STAGES

#: Every header Netra itself sets starts with this; the rest are the sender's.
NETRA_PREFIX = "netra."
#: JSON array of reason codes, e.g. ["schema.required:payload.report_id"].
H_REASONS = "netra.reasons"
#: The stage that refused the message (validator, enricher, sink).
H_STAGE = "netra.stage"
#: Where the refused message was read from (on events.valid/events.enriched: the ingress position).
H_SOURCE_TOPIC = "netra.source_topic"
H_SOURCE_PARTITION = "netra.source_partition"
H_SOURCE_OFFSET = "netra.source_offset"
#: RFC 3339 time of the refusal.
H_REJECTED_AT = "netra.rejected_at"
#: Set when the original value was cut to DLQ_MAX_VALUE bytes: the original length.
H_TRUNCATED = "netra.truncated"
#: Set by `netra dlq replay` when the stored message had its reporter identity scrubbed (sealed pseudonym).
H_REPORTER_KEY = "netra.reporter_key"
#: Set by `netra dlq replay`: the raw.rejected_events.reject_id the message is a replay of.
H_REPLAY_OF = "netra.replay_of"

#: The ingress position a valid event carries through events.valid and events.enriched.
POSITION_HEADERS = (H_SOURCE_TOPIC, H_SOURCE_PARTITION, H_SOURCE_OFFSET)
#: Headers added to every DLQ record (the original headers are kept before them).
DLQ_HEADERS = (H_REASONS, H_STAGE, H_SOURCE_TOPIC, H_SOURCE_PARTITION, H_SOURCE_OFFSET, H_REJECTED_AT, H_TRUNCATED)
#: Stages that may write a DLQ record.
DLQ_STAGES = STAGES
#: The DLQ keeps at most this much of a rejected value, so a huge (e.g. compressed upstream)
#: message cannot exceed the producer's request limit and stall a stage.
DLQ_MAX_VALUE = 512 * 1024


@dataclass(frozen=True)
class DlqHeaders:
    """The checked `netra.*` headers of one DLQ record."""

    reasons: tuple[str, ...]
    stage: str
    source_topic: str
    source_partition: int
    source_offset: int
    rejected_at: str
    truncated: int | None = None


class DlqHeadersError(ValueError):
    """A DLQ record whose headers break the contract; `reasons` say which header and how."""

    def __init__(self, reasons: list[str]):
        super().__init__(", ".join(reasons))
        self.reasons = reasons


def _int(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if number >= 0 and value.strip() == str(number) else None


def dlq_headers(headers: Iterable[tuple[str, bytes | None]] | None, known_codes: frozenset[str] = CODES
                ) -> DlqHeaders:
    """Check the `netra.*` headers of a DLQ record; raises DlqHeadersError with `dlq.header_*` reasons.

    A DLQ record may only carry reasons Netra documents (`known_codes`, netra.contracts.reasons).
    """
    text: dict[str, str] = {}
    problems: list[str] = []
    for name, value in headers or ():
        if not isinstance(name, str) or not name.startswith(NETRA_PREFIX):
            continue
        try:
            text[name] = (value or b"").decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"dlq.header_invalid:{name}")
    for name in (H_REASONS, H_STAGE, H_SOURCE_TOPIC, H_SOURCE_PARTITION, H_SOURCE_OFFSET, H_REJECTED_AT):
        if name not in text and f"dlq.header_invalid:{name}" not in problems:
            problems.append(f"dlq.header_missing:{name}")
    reasons: Any = []
    if H_REASONS in text:
        try:
            reasons = json.loads(text[H_REASONS])
        except (ValueError, RecursionError):
            reasons = None
        if (not isinstance(reasons, list) or not reasons
                or not all(isinstance(r, str) and r.split(":", 1)[0] in known_codes for r in reasons)):
            problems.append(f"dlq.header_invalid:{H_REASONS}")
    if H_STAGE in text and text[H_STAGE] not in DLQ_STAGES:
        problems.append(f"dlq.header_invalid:{H_STAGE}")
    if H_SOURCE_TOPIC in text and not 0 < len(text[H_SOURCE_TOPIC]) <= 249:
        problems.append(f"dlq.header_invalid:{H_SOURCE_TOPIC}")
    numbers: dict[str, int | None] = {}
    for name in (H_SOURCE_PARTITION, H_SOURCE_OFFSET) + ((H_TRUNCATED,) if H_TRUNCATED in text else ()):
        if name in text:
            numbers[name] = _int(text[name])
            if numbers[name] is None:
                problems.append(f"dlq.header_invalid:{name}")
    if H_REJECTED_AT in text:
        try:
            if datetime.fromisoformat(text[H_REJECTED_AT]).tzinfo is None:
                raise ValueError("no offset")
        except ValueError:
            problems.append(f"dlq.header_invalid:{H_REJECTED_AT}")
    if problems:
        raise DlqHeadersError(problems)
    partition, offset = numbers[H_SOURCE_PARTITION], numbers[H_SOURCE_OFFSET]
    assert partition is not None and offset is not None  # checked above
    return DlqHeaders(tuple(reasons), text[H_STAGE], text[H_SOURCE_TOPIC], partition, offset, text[H_REJECTED_AT],
                      numbers.get(H_TRUNCATED))


#: header -> what it holds (used by the AsyncAPI document; every value is UTF-8 text).
DESCRIPTIONS = {
    H_REASONS: "JSON array of reason codes `<code>:<field path>` (docs/reason-codes.md).",
    H_STAGE: "The stage that refused the message: validator, enricher or sink.",
    H_SOURCE_TOPIC: "The ingress topic the message was read from.",
    H_SOURCE_PARTITION: "Its partition there (decimal).",
    H_SOURCE_OFFSET: "Its offset there (decimal).",
    H_REJECTED_AT: "When it was refused (ISO 8601, UTC).",
    H_TRUNCATED: "Only when the value was cut to 512 KiB: the original length in bytes.",
    H_REPORTER_KEY: "Only on replays: the sealed pseudonym of a scrubbed reporter.",
    H_REPLAY_OF: "Only on replays: the id of the raw.rejected_events row re-sent.",
}
