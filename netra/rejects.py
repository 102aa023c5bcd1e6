"""Rejects back to their sender: a DLQ record -> a scrubbed `RejectNotice` on `rejects.<source domain>`.

Pure apart from `RejectsPublisher`, which the sink calls with the DLQ records of a batch
inside its transaction, before it commits: every notice is acknowledged by the broker
(flush, then each send checked) or the batch is not committed and is processed again.
Topic names and the record's model are contract (`netra/contracts/rejects.py`,
`netra/contracts/notices.py`).

The scrubbing rule lives here, once: the sink applies it before a reject is stored in
raw.rejected_events, and the notices carry the same scrubbed bytes.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence

from netra.contracts.headers import (
    H_REASONS,
    H_REJECTED_AT,
    H_SOURCE_OFFSET,
    H_SOURCE_PARTITION,
    H_SOURCE_TOPIC,
    H_STAGE,
    H_TRUNCATED,
)
from netra.contracts.reasons import REASONS
from netra.contracts.rejects import (
    NOTICE_EXCERPT_CHARS,
    NOTICE_MAX_MESSAGE,
    reject_id,
    rejects_topic,
    source_domain,
)

#: A NIK-shaped run of digits (16, not part of a longer number such as an 18-digit NIP).
_NIK_SHAPED = re.compile(rb"(?<![0-9])[0-9]{16}(?![0-9])")
_EXPLAINED = {code: (meaning, fix) for code, _stage, meaning, fix in REASONS}


def peek_envelope(value: bytes) -> dict:
    """Best effort: the JSON object a rejected message holds, or {} when it is not one."""
    try:
        obj = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    return obj if isinstance(obj, dict) else {}


def scrub_reporter(value: bytes, secret: bytes | None) -> tuple[bytes, str | None]:
    """Remove the reporter's identity from a rejected message before it is stored or sent (DOMAIN.md §6).

    A JSON event keeps only `reporter.type` (whatever other keys, typos included, the
    reporter object had); a reporter that is not an object is dropped. NIK-shaped numbers
    are masked everywhere in what is kept. Returns the bytes to keep and, when `secret` is
    given, the reporter's pseudonym (so a replay can still carry `reporter_key`).
    """
    obj = peek_envelope(value)
    key = None
    payload = obj.get("payload")
    if isinstance(payload, dict) and "reporter" in payload:
        reporter = payload["reporter"]
        if isinstance(reporter, dict):
            if secret is not None:
                from netra.enrichment import reporter_key

                key = reporter_key(secret, {k: v for k, v in reporter.items() if k in ("nik", "name")
                                            and isinstance(v, str)})
            payload["reporter"] = {"type": reporter["type"]} if isinstance(reporter.get("type"), str) else {}
        else:
            payload["reporter"] = None
        value = json.dumps(obj, ensure_ascii=False).encode()
    return _NIK_SHAPED.sub(lambda m: b"0" * 16, value), key


def explain(reason: str) -> dict:
    """`schema.required:payload.report_id` -> code, path, meaning and fix (docs/reason-codes.md)."""
    code, _, path = reason.partition(":")
    meaning, fix = _EXPLAINED.get(code, ("Not a registered reason code.", "Ask the Netra operators."))
    return {"reason": reason, "code": code, "path": path or None, "meaning": meaning, "fix": fix}


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def notice_for(record) -> tuple[str, bytes, bytes]:
    """(topic, key, value) of the notice for one consumed `events.dlq` record."""
    headers = {k: (v or b"").decode("utf-8", "replace") for k, v in (record.headers or ())}
    topic = headers.get(H_SOURCE_TOPIC, record.topic)
    partition = int(headers.get(H_SOURCE_PARTITION, record.partition))
    offset = int(headers.get(H_SOURCE_OFFSET, record.offset))
    stage = headers.get(H_STAGE, "unknown")
    try:
        reasons = [str(r) for r in json.loads(headers.get(H_REASONS, "[]"))] or ["dlq.no_reason"]
    except ValueError:
        reasons = ["dlq.no_reason"]
    scrubbed, _ = scrub_reporter(record.value or b"", None)
    envelope = peek_envelope(scrubbed)
    source = _text(envelope.get("source"))
    small = len(scrubbed) <= NOTICE_MAX_MESSAGE and bool(envelope)
    truncated = headers.get(H_TRUNCATED)
    rid = reject_id(topic, partition, offset, stage)
    notice = {
        "reject_id": rid,
        "source_domain": source_domain(source),
        "source": source,
        "event_id": _text(envelope.get("event_id")),
        "event_type": _text(envelope.get("event_type")),
        "source_topic": topic,
        "source_partition": partition,
        "source_offset": offset,
        "stage": stage,
        "rejected_at": headers.get(H_REJECTED_AT),
        "reasons": reasons,
        "explanations": [explain(r) for r in reasons],
        "message": envelope if small else None,
        "message_excerpt": None if small else scrubbed.decode("utf-8", "replace")[:NOTICE_EXCERPT_CHARS],
        "message_bytes": len(record.value or b""),
        "truncated_from": int(truncated) if truncated and truncated.isdigit() else None,
    }
    value = json.dumps(notice, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return rejects_topic(notice["source_domain"]), rid.encode(), value


class RejectsPublisher:
    """Publishes the notices of a batch's DLQ records and waits until the broker acknowledged each one.

    Raises netra.kafka_io.DeliveryError if any was not delivered, so the caller (the sink,
    inside its transaction) rolls back and the batch is processed again.
    """

    def __init__(self, producer):
        self.producer = producer
        self.published = 0

    def __call__(self, dlq_records: Sequence) -> None:
        """Publish one notice per DLQ record; return only when the broker acknowledged all of them."""
        if not dlq_records:
            return
        from netra.kafka_io import await_delivery

        futures = []
        for record in dlq_records:
            topic, key, value = notice_for(record)
            futures.append(self.producer.send(topic, key=key, value=value))
        await_delivery(self.producer, futures)
        self.published += len(futures)
