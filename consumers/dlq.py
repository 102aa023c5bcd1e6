"""Dead-letter records: the original bytes and headers plus machine-readable reasons.

Header names and the DLQ record contract are in netra.contracts.headers.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from consumers.loop import Outgoing
from netra.contracts.headers import (
    DLQ_HEADERS,
    DLQ_MAX_VALUE,
    H_REASONS,
    H_REJECTED_AT,
    H_SOURCE_OFFSET,
    H_SOURCE_PARTITION,
    H_SOURCE_TOPIC,
    H_STAGE,
    H_TRUNCATED,
)
from netra.contracts.topics import TOPIC_DLQ


def dlq_message(record, reasons: Sequence[str], stage: str, now: datetime | None = None) -> Outgoing:
    """A DLQ record for a consumed Kafka record: same key and value bytes, reasons in headers."""
    now = now or datetime.now(UTC)
    original = [(k, v) for k, v in (record.headers or []) if k not in DLQ_HEADERS]
    extra = [
        (H_REASONS, json.dumps(list(reasons)).encode()),
        (H_STAGE, stage.encode()),
        (H_SOURCE_TOPIC, record.topic.encode()),
        (H_SOURCE_PARTITION, str(record.partition).encode()),
        (H_SOURCE_OFFSET, str(record.offset).encode()),
        (H_REJECTED_AT, now.isoformat().encode()),
    ]
    value = record.value if record.value is not None else b""
    if len(value) > DLQ_MAX_VALUE:
        extra.append((H_TRUNCATED, str(len(value)).encode()))
        value = value[:DLQ_MAX_VALUE]
    return Outgoing(TOPIC_DLQ, value, record.key, tuple(original + extra))
