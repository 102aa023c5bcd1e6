"""Dead-letter records: the original bytes and headers plus machine-readable reasons."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Sequence

from consumers.loop import Outgoing
# Header names added to every DLQ record (the original headers are kept before them): contract vocabulary,
# re-exported here because the stages import them from this module.
from netra.contracts.headers import (  # noqa: F401
    H_REASONS, H_REJECTED_AT, H_REPORTER_KEY, H_SOURCE_OFFSET, H_SOURCE_PARTITION, H_SOURCE_TOPIC, H_STAGE,
    H_TRUNCATED,
)
from netra.settings import TOPIC_DLQ

#: The DLQ keeps at most this much of a rejected value, so a huge (e.g. compressed upstream)
#: message cannot exceed the producer's request limit and stall the validator.
DLQ_MAX_VALUE = 512 * 1024
NETRA_HEADERS = (H_REASONS, H_STAGE, H_SOURCE_TOPIC, H_SOURCE_PARTITION, H_SOURCE_OFFSET, H_REJECTED_AT,
                 H_TRUNCATED)


def dlq_message(record, reasons: Sequence[str], stage: str, now: datetime | None = None) -> Outgoing:
    """A DLQ record for a consumed Kafka record: same key and value bytes, reasons in headers."""
    now = now or datetime.now(timezone.utc)
    original = [(k, v) for k, v in (record.headers or []) if k not in NETRA_HEADERS]
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
