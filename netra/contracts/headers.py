"""Kafka header names Netra sets (contract vocabulary), with what each means.

The validator forwards valid events with the ingress position headers; every DLQ record
carries the reasons and the position of the message it refused. The names are imported by
the stages (`consumers/dlq.py`), the operators' tooling and the AsyncAPI document, so they
are defined once, here.
"""
from __future__ import annotations

H_REASONS = "netra.reasons"  # JSON array of reason codes, e.g. ["schema.required:payload.report_id"]
H_STAGE = "netra.stage"
H_SOURCE_TOPIC = "netra.source_topic"
H_SOURCE_PARTITION = "netra.source_partition"
H_SOURCE_OFFSET = "netra.source_offset"
H_REJECTED_AT = "netra.rejected_at"
#: Set when the original value was cut to the DLQ's value limit: the original length.
H_TRUNCATED = "netra.truncated"
#: Set by `netra dlq replay` when the stored message had its reporter identity scrubbed.
H_REPORTER_KEY = "netra.reporter_key"
#: Set by `netra dlq replay`: the raw.rejected_events id the message is a replay of.
H_REPLAY_OF = "netra.replay_of"

#: header -> what it holds (used by the AsyncAPI document; every value is UTF-8 text).
DESCRIPTIONS = {
    H_REASONS: "JSON array of reason codes `<code>:<field path>` (docs/reason-codes.md).",
    H_STAGE: "The stage that refused the message: validator or enricher.",
    H_SOURCE_TOPIC: "The ingress topic the message was read from.",
    H_SOURCE_PARTITION: "Its partition there (decimal).",
    H_SOURCE_OFFSET: "Its offset there (decimal).",
    H_REJECTED_AT: "When it was refused (ISO 8601, UTC).",
    H_TRUNCATED: "Only when the value was cut to 512 KiB: the original length in bytes.",
    H_REPORTER_KEY: "Only on replays: the sealed pseudonym of a scrubbed reporter.",
    H_REPLAY_OF: "Only on replays: the id of the raw.rejected_events row re-sent.",
}
