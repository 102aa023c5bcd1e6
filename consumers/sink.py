"""Sink stage: events.enriched -> raw.events and events.dlq -> raw.rejected_events, exactly once.

Rows and the consumer offsets they cover are committed in ONE Postgres transaction
(COPY into a temp table, then INSERT ... ON CONFLICT DO NOTHING). On partition
assignment the consumer seeks to the offsets stored in raw.consumer_offsets, so a
crash at any instant neither loses nor duplicates a row. Kafka's own committed
offsets are written afterwards for lag monitoring only.
"""
from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, cast

from consumers.loop import Outcome
from netra.contracts.codec import body_sha256, encode_event
from netra.contracts.decode import decode_enriched
from netra.contracts.headers import (
    H_SOURCE_OFFSET,
    H_SOURCE_PARTITION,
    H_SOURCE_TOPIC,
    NETRA_PREFIX,
    DlqHeaders,
    DlqHeadersError,
    dlq_headers,
)
from netra.contracts.topics import STAGE_INPUTS, TOPIC_DLQ
from netra.rejects import peek_envelope as _peek_envelope
from netra.rejects import scrub_reporter
from netra.warehouse.sql import statement

log = logging.getLogger("netra.sink")



class EventRow(NamedTuple):
    """One raw.events row as the sink writes it. The field names are the columns (EVENT_COLUMNS), and rows are
    built by name, so a new column is one new field here and cannot shift the values of the others.
    """

    event_id: str
    event_type: str
    schema_version: int
    source: str
    occurred_at: str
    payload: str  # JSON text
    enrichment: str  # JSON text
    body_sha256: str  # of the normalised event without enrichment
    kafka_topic: str
    kafka_partition: int
    kafka_offset: int
    source_topic: str | None  # the ingress position (netra.* lineage headers)
    source_partition: int | None
    source_offset: int | None


class RejectRow(NamedTuple):
    """One raw.rejected_events row as the sink writes it; the field names are the columns (REJECT_COLUMNS)."""

    source_topic: str
    source_partition: int
    source_offset: int
    stage: str
    reasons: str  # a Postgres text[] literal
    event_id: str | None
    event_type: str | None
    source: str | None
    message_key: str | None  # bytea as \x hex
    message_value: str
    headers: str  # JSON text
    rejected_at: str
    dlq_partition: int
    dlq_offset: int
    reporter_key: str | None


#: The columns the sink COPYs, in the order of the row fields (one place: the NamedTuples above).
EVENT_COLUMNS = EventRow._fields
REJECT_COLUMNS = RejectRow._fields
CONFLICT_REASON = "event_id.conflict:event_id"
STAGE = "sink"


def _pg_array(items: Sequence[str]) -> str:
    # reasons carry field names chosen by the sender: no NUL may reach COPY
    return "{" + ",".join('"' + cast(str, _text(s)).replace("\\", "\\\\").replace('"', '\\"') + '"'
                          for s in items) + "}"


def _bytea(b: bytes | None) -> str | None:
    return None if b is None else "\\x" + b.hex()


def _text(value) -> str | None:
    # Postgres text cannot hold NUL
    return None if value is None else str(value).replace("\x00", "")


def event_row(record, event: dict) -> EventRow:
    """The raw.events row of an enriched event (already checked against EnrichedEvent)."""
    headers = {k: v for k, v in (record.headers or [])}
    return EventRow(
        event_id=event["event_id"], event_type=event["event_type"], schema_version=event["schema_version"],
        source=event["source"], occurred_at=event["occurred_at"],
        # jsonb keeps neither spacing nor key order: the stages' compact encoder (orjson, json for what it refuses)
        payload=encode_event(event["payload"]).decode("utf-8"),
        enrichment=encode_event(event["enrichment"]).decode("utf-8"),
        body_sha256=body_sha256(event), kafka_topic=record.topic, kafka_partition=record.partition,
        kafka_offset=record.offset, source_topic=_header_text(headers, H_SOURCE_TOPIC),
        source_partition=_header_int(headers, H_SOURCE_PARTITION), source_offset=_header_int(headers, H_SOURCE_OFFSET),
    )


def _header_text(headers: dict, name: str) -> str | None:
    value = headers.get(name)
    return value.decode("utf-8", "replace") if value is not None else None


def _header_int(headers: dict, name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError, TypeError):
        return None


def _envelope_text(env: dict, name: str) -> str | None:
    value = env.get(name)
    return cast(str, _text(value))[:100] if isinstance(value, str) else None


def reject_row(record, secret: bytes, meta: DlqHeaders | None = None, reasons: Sequence[str] = ()) -> RejectRow:
    """The raw.rejected_events row of a DLQ record (`meta`: its checked headers), or of a message the sink
    itself refuses (`reasons`; its own topic/partition/offset are then the source). Reporter identity is
    scrubbed either way.
    """
    # header names and values are the sender's: no NUL may reach the jsonb column
    original = {_text(k): _text((v or b"").decode("utf-8", "replace")) for k, v in (record.headers or [])
                if not (isinstance(k, str) and k.startswith(NETRA_PREFIX))}
    value, reporter = scrub_reporter(record.value or b"", secret)
    env = _peek_envelope(value)
    if meta is not None:
        (topic, partition, offset), stage, reasons, rejected_at = (
            (meta.source_topic, meta.source_partition, meta.source_offset), meta.stage, meta.reasons, meta.rejected_at)
    else:
        (topic, partition, offset), stage, rejected_at = ((record.topic, record.partition, record.offset), STAGE,
                                                          datetime.now(UTC).isoformat())
    return RejectRow(
        source_topic=topic, source_partition=partition, source_offset=offset, stage=stage,
        reasons=_pg_array(reasons), event_id=_envelope_text(env, "event_id"),
        event_type=_envelope_text(env, "event_type"), source=_envelope_text(env, "source"),
        message_key=_bytea(record.key), message_value=cast(str, _bytea(value)), headers=json.dumps(original),
        rejected_at=rejected_at, dlq_partition=record.partition, dlq_offset=record.offset, reporter_key=reporter,
    )


@dataclass
class Sink:
    """Pure part: records -> rows, each message checked against its topic's contract first.

    events.enriched must be an `EnrichedEvent` (netra.contracts.enriched), events.dlq must carry
    the DLQ headers (netra.contracts.headers). What fails is not sent anywhere else: it is a
    rejected row landed in the same transaction as the batch (a DLQ record cannot be dead-lettered
    again without a loop), with `sink` as its stage and its own position as its source.
    """

    secret: bytes = b""
    name: str = STAGE
    input_topics: Sequence[str] = STAGE_INPUTS["sink"]

    def process(self, records: Sequence) -> Outcome:
        """Event rows go `forward` (to raw.events), rejected rows to `rejected` (raw.rejected_events)."""
        outcome = Outcome()
        for r in records:
            if r.topic == TOPIC_DLQ:
                try:
                    outcome.rejected.append(reject_row(r, self.secret, meta=dlq_headers(r.headers)))
                except DlqHeadersError as exc:
                    outcome.rejected.append(reject_row(r, self.secret, reasons=exc.reasons))
                continue
            decoded = decode_enriched(r.value)
            if decoded.ok:
                outcome.forward.append(event_row(r, cast(dict, decoded.event)))
            else:
                outcome.rejected.append(reject_row(r, self.secret, reasons=decoded.reasons))
        return outcome


def _copy(cur, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)


class PostgresWriter:
    """Writes one batch's rows and the next offsets of its partitions in a single transaction.

    With `reconnect` (a function returning a new connection), a connection lost to a Postgres
    restart is replaced on the next call; the failed call raises, the transaction was rolled
    back, and the loop retries the same batch (consumers.resilience). `publish_rejects`
    (netra.rejects.RejectsPublisher) gets the batch's DLQ records inside the transaction, before
    the commit, and must raise unless the broker acknowledged every notice.
    """

    def __init__(self, conn, group_id: str, reconnect=None,
                 publish_rejects: Callable[[Sequence], None] | None = None):
        self.conn = conn
        self.group_id = group_id
        self.reconnect = reconnect
        self.publish_rejects = publish_rejects
        self.inserted_events = 0
        self.inserted_rejects = 0
        self.conflicts = 0

    def connection(self):
        """The live connection, a new one when the last was lost (and `reconnect` is given)."""
        if self.reconnect is not None and (self.conn is None or self.conn.closed):
            if self.conn is not None:
                log.warning(json.dumps({"event": "postgres_reconnect", "group": self.group_id}))
            self.conn = None
            self.conn = self.reconnect()
        return self.conn

    def close(self) -> None:
        """Close the database connection if it is open."""
        if self.conn is not None and not self.conn.closed:
            self.conn.close()

    def stored_offsets(self) -> dict[tuple[str, int], int]:
        """Return the next offset stored for each (topic, partition) of this group."""
        conn = self.connection()
        with conn:
            with conn.cursor() as cur:
                cur.execute("SELECT topic, partition, next_offset FROM raw.consumer_offsets WHERE group_id = %s",
                            (self.group_id,))
                return {(t, p): o for t, p, o in cur.fetchall()}

    def __call__(self, records: Sequence, outcome: Outcome) -> None:
        """Store the batch's events, rejections and next offsets in one transaction."""
        next_offsets: dict[tuple[str, int], int] = {}
        for r in records:
            key = (r.topic, r.partition)
            next_offsets[key] = max(next_offsets.get(key, 0), r.offset + 1)
        conn = self.connection()
        with conn:  # one transaction: rows + offsets, or nothing
            with conn.cursor() as cur:
                if outcome.forward:
                    cur.execute("CREATE TEMP TABLE IF NOT EXISTS sink_events "
                                "(LIKE raw.events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
                    _copy(cur, "sink_events", EVENT_COLUMNS, outcome.forward)
                    cur.execute(statement("sink/conflicts_to_rejects"), {"reason": "{" + CONFLICT_REASON + "}"})
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
                    cur.execute(f"INSERT INTO raw.rejected_events ({cols}) SELECT {cols} FROM sink_rejects "
                                # no conflict target: a redelivered offset and an identical open re-send
                                # (migration 0021, content_sha256) are both stored once
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


def seek_to_stored(consumer, writer: PostgresWriter, partitions) -> None:
    """Seek each of `partitions` to the offset stored in raw.consumer_offsets (where there is one)."""
    stored = writer.stored_offsets()
    for tp in partitions:
        offset = stored.get((tp.topic, tp.partition))
        if offset is not None:
            consumer.seek(tp, offset)
            log.info(json.dumps({"event": "seek", "topic": tp.topic, "partition": tp.partition, "offset": offset}))


def seek_listener(consumer, writer: PostgresWriter):
    """A rebalance listener that seeks newly assigned partitions to the offsets stored in Postgres.

    It reads Postgres on kafka-python's IO thread; `netra consume sink` instead pauses new
    partitions and seeks them from the polling thread (consumers.run.OnAssignment), which can
    wait for Postgres to come back without stalling heartbeats.
    """
    from kafka import ConsumerRebalanceListener

    class _SeekToStored(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            pass

        def on_partitions_assigned(self, assigned):
            seek_to_stored(consumer, writer, assigned)

    return _SeekToStored()
