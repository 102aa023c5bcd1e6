"""Sink stage: events.enriched -> raw.events and events.dlq -> raw.rejected_events, exactly once.

Rows and the consumer offsets they cover are committed in ONE Postgres transaction
(COPY into a temp table, then INSERT ... ON CONFLICT DO NOTHING). On partition
assignment the consumer seeks to the offsets stored in raw.consumer_offsets, so a
crash at any instant neither loses nor duplicates a row. Kafka's own committed
offsets are written afterwards for lag monitoring only.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from typing import Callable, Sequence

from consumers.dlq import H_REASONS, H_REJECTED_AT, H_SOURCE_OFFSET, H_SOURCE_PARTITION, H_SOURCE_TOPIC, H_STAGE
from consumers.loop import Outcome
from netra.rejects import peek_envelope as _peek_envelope
from netra.rejects import scrub_reporter
from netra.settings import TOPIC_DLQ, TOPIC_ENRICHED

log = logging.getLogger("netra.sink")

EVENT_COLUMNS = ("event_id", "event_type", "schema_version", "source", "occurred_at", "payload", "enrichment",
                 "body_sha256", "kafka_topic", "kafka_partition", "kafka_offset",
                 "source_topic", "source_partition", "source_offset")
REJECT_COLUMNS = ("source_topic", "source_partition", "source_offset", "stage", "reasons", "event_id", "event_type",
                  "source", "message_key", "message_value", "headers", "rejected_at", "dlq_partition", "dlq_offset",
                  "reporter_key")
CONFLICT_REASON = "event_id.conflict:event_id"


def _pg_array(items: Sequence[str]) -> str:
    # reasons carry field names chosen by the sender: no NUL may reach COPY
    return "{" + ",".join('"' + _text(s).replace("\\", "\\\\").replace('"', '\\"') + '"' for s in items) + "}"


def _bytea(b: bytes | None) -> str | None:
    return None if b is None else "\\x" + b.hex()


def _text(value) -> str | None:
    # Postgres text cannot hold NUL
    return None if value is None else str(value).replace("\x00", "")


def event_row(record) -> tuple:
    headers = {k: v for k, v in (record.headers or [])}
    event = json.loads(record.value)
    body = {k: v for k, v in event.items() if k != "enrichment"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return (
        event["event_id"], event["event_type"], event["schema_version"], event["source"], event["occurred_at"],
        json.dumps(event["payload"], ensure_ascii=False), json.dumps(event["enrichment"], ensure_ascii=False),
        digest, record.topic, record.partition, record.offset,
        _header_text(headers, H_SOURCE_TOPIC), _header_int(headers, H_SOURCE_PARTITION),
        _header_int(headers, H_SOURCE_OFFSET),
    )


def _header_text(headers: dict, name: str) -> str | None:
    value = headers.get(name)
    return value.decode("utf-8", "replace") if value is not None else None


def _header_int(headers: dict, name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def reject_row(record, secret: bytes) -> tuple:
    headers = {k: v for k, v in (record.headers or [])}
    meta = {k: v.decode("utf-8", "replace") for k, v in headers.items() if k.startswith("netra.")}
    # header names and values are the sender's: no NUL may reach the jsonb column
    original = {_text(k): _text((v or b"").decode("utf-8", "replace")) for k, v in headers.items()
                if not k.startswith("netra.")}
    value, reporter = scrub_reporter(record.value or b"", secret)
    env = _peek_envelope(value)
    reasons = json.loads(meta.get(H_REASONS, '["dlq.no_reason"]'))
    return (
        meta.get(H_SOURCE_TOPIC, record.topic), int(meta.get(H_SOURCE_PARTITION, record.partition)),
        int(meta.get(H_SOURCE_OFFSET, record.offset)), meta.get(H_STAGE, "unknown"), _pg_array(reasons),
        _text(env.get("event_id"))[:100] if isinstance(env.get("event_id"), str) else None,
        _text(env.get("event_type"))[:100] if isinstance(env.get("event_type"), str) else None,
        _text(env.get("source"))[:100] if isinstance(env.get("source"), str) else None,
        _bytea(record.key), _bytea(value), json.dumps(original),
        meta.get(H_REJECTED_AT), record.partition, record.offset, reporter,
    )


@dataclass
class Sink:
    """Pure part: records -> rows. The transaction lives in PostgresWriter."""

    secret: bytes = b""
    name: str = "sink"
    input_topics: Sequence[str] = (TOPIC_ENRICHED, TOPIC_DLQ)

    def process(self, records: Sequence) -> Outcome:
        """Event rows go `forward` (to raw.events), DLQ rows to `rejected` (raw.rejected_events)."""
        outcome = Outcome()
        for r in records:
            if r.topic == TOPIC_DLQ:
                outcome.rejected.append(reject_row(r, self.secret))
            else:
                outcome.forward.append(event_row(r))
        return outcome


#: A re-used event_id with a different body: the first stored body wins, later ones are
#: refused as conflicts (not silently dropped). "First" = already in raw.events, else the
#: lowest (partition, offset) of the batch. Exact re-sends (same body) are simply stored once.
CONFLICTS_TO_REJECTS = """
INSERT INTO raw.rejected_events (source_topic, source_partition, source_offset, stage, reasons, event_id,
                                 event_type, source, message_value, rejected_at, dlq_partition, dlq_offset)
SELECT coalesce(s.source_topic, s.kafka_topic), coalesce(s.source_partition, s.kafka_partition),
       coalesce(s.source_offset, s.kafka_offset), 'sink', %(reason)s::text[], s.event_id::text, s.event_type,
       s.source,
       convert_to(jsonb_build_object('event_id', s.event_id, 'event_type', s.event_type,
                                     'schema_version', s.schema_version, 'source', s.source,
                                     'occurred_at', s.occurred_at, 'payload', s.payload)::text, 'UTF8'),
       now(), s.kafka_partition, s.kafka_offset
FROM (SELECT *, first_value(body_sha256) OVER (PARTITION BY event_id ORDER BY kafka_partition, kafka_offset)
                AS first_in_batch
      FROM sink_events) s
LEFT JOIN raw.events e ON e.event_id = s.event_id
WHERE s.body_sha256 <> coalesce(e.body_sha256, s.first_in_batch)
ON CONFLICT DO NOTHING
"""


def _copy(cur, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)


class PostgresWriter:
    """Writes one batch's rows and the next offsets of its partitions in a single transaction.

    `publish_rejects` (netra.rejects.RejectsPublisher) gets the batch's DLQ records inside the
    transaction, before the commit, and must raise unless the broker acknowledged every notice.
    """

    def __init__(self, conn, group_id: str, publish_rejects: Callable[[Sequence], None] | None = None):
        self.conn = conn
        self.group_id = group_id
        self.publish_rejects = publish_rejects
        self.inserted_events = 0
        self.inserted_rejects = 0
        self.conflicts = 0

    def stored_offsets(self) -> dict[tuple[str, int], int]:
        with self.conn:
            with self.conn.cursor() as cur:
                cur.execute("SELECT topic, partition, next_offset FROM raw.consumer_offsets WHERE group_id = %s",
                            (self.group_id,))
                return {(t, p): o for t, p, o in cur.fetchall()}

    def __call__(self, records: Sequence, outcome: Outcome) -> None:
        next_offsets: dict[tuple[str, int], int] = {}
        for r in records:
            key = (r.topic, r.partition)
            next_offsets[key] = max(next_offsets.get(key, 0), r.offset + 1)
        with self.conn:  # one transaction: rows + offsets, or nothing
            with self.conn.cursor() as cur:
                if outcome.forward:
                    cur.execute("CREATE TEMP TABLE IF NOT EXISTS sink_events "
                                "(LIKE raw.events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
                    _copy(cur, "sink_events", EVENT_COLUMNS, outcome.forward)
                    cur.execute(CONFLICTS_TO_REJECTS, {"reason": "{" + CONFLICT_REASON + "}"})
                    self.conflicts += cur.rowcount
                    cols = ", ".join(EVENT_COLUMNS)
                    cur.execute(f"INSERT INTO raw.events ({cols}) SELECT {cols} FROM sink_events "
                                "ORDER BY kafka_partition, kafka_offset ON CONFLICT (event_id) DO NOTHING")
                    self.inserted_events += cur.rowcount
                if outcome.rejected:
                    cur.execute("CREATE TEMP TABLE IF NOT EXISTS sink_rejects "
                                "(LIKE raw.rejected_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
                    _copy(cur, "sink_rejects", REJECT_COLUMNS, outcome.rejected)
                    cols = ", ".join(REJECT_COLUMNS)
                    # no conflict target: a redelivered offset and an identical open re-send (migration
                    # 0021, content_sha256) are both stored once
                    cur.execute(f"INSERT INTO raw.rejected_events ({cols}) SELECT {cols} FROM sink_rejects "
                                "ON CONFLICT DO NOTHING")
                    self.inserted_rejects += cur.rowcount
                for (topic, partition), offset in sorted(next_offsets.items()):
                    cur.execute(
                        "INSERT INTO raw.consumer_offsets (group_id, topic, partition, next_offset) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (group_id, topic, partition) "
                        "DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()",
                        (self.group_id, topic, partition, offset),
                    )
                if self.publish_rejects is not None:  # each sender's own rejects, to rejects.<source domain>
                    self.publish_rejects([r for r in records if r.topic == TOPIC_DLQ])
                self.before_commit(cur)

    def before_commit(self, cur) -> None:
        """Runs last inside the transaction; a seam for crash tests (an exception rolls everything back)."""


def seek_listener(consumer, writer: PostgresWriter):
    """A rebalance listener that seeks newly assigned partitions to the offsets stored in Postgres."""
    from kafka import ConsumerRebalanceListener

    class _SeekToStored(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            pass

        def on_partitions_assigned(self, assigned):
            stored = writer.stored_offsets()
            for tp in assigned:
                offset = stored.get((tp.topic, tp.partition))
                if offset is not None:
                    consumer.seek(tp, offset)
                    log.info(json.dumps({"event": "seek", "topic": tp.topic, "partition": tp.partition,
                                         "offset": offset}))

    return _SeekToStored()
