"""The sink lands each event exactly once across crashes: rows and offsets share one transaction."""
from __future__ import annotations

import json
import uuid

import pytest

from consumers.loop import StopFlag, run
from consumers.sink import PostgresWriter, Sink, seek_listener
from netra.kafka_io import make_consumer, make_producer
from netra.settings import TOPIC_ENRICHED
from netra.warehouse.db import connect


class Crash(RuntimeError):
    pass


class CrashingWriter(PostgresWriter):
    """Fails inside the transaction, after rows and offsets were written, on the n-th batch."""

    def __init__(self, conn, group_id, crash_on_batch: int):
        super().__init__(conn, group_id)
        self.batch = 0
        self.crash_on_batch = crash_on_batch

    def before_commit(self, cur):
        self.batch += 1
        if self.batch == self.crash_on_batch:
            raise Crash("power cut after the rows, before the commit")


def _enriched(i: int) -> bytes:
    return json.dumps({
        "event_id": str(uuid.UUID(int=i + 1, version=4)), "event_type": "recommendation.closed", "schema_version": 1,
        "source": "bkn", "occurred_at": "2024-01-01T00:00:00+07:00",
        "payload": {"recommendation_id": f"REC-{i}", "reason": "cancelled", "closed_on": "2024-01-01"},
        "enrichment": {"version": 1},
    }).encode()


def _send(settings, values):
    producer = make_producer(settings)
    for v in values:
        producer.send(TOPIC_ENRICHED, value=v, key=v[:8])
    producer.flush()
    producer.close()


def _run_sink(settings, writer_factory, commit_to_kafka=True):
    group = settings.group_id("sink")
    consumer = make_consumer(settings, group, max_poll_records=50)
    conn = connect(settings)
    writer = writer_factory(conn, group)
    consumer.partitions_for_topic(TOPIC_ENRICHED)  # metadata before the join, as run_stage does
    consumer.subscribe([TOPIC_ENRICHED], listener=seek_listener(consumer, writer))
    try:
        return run(consumer, Sink(input_topics=(TOPIC_ENRICHED,)), writer, batch_wait_ms=200, batch_size=50,
                   until_idle=2.0, stop=StopFlag(install=False), commit_to_kafka=commit_to_kafka)
    finally:
        consumer.close()
        conn.close()


def _count(db):
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT event_id) FROM raw.events")
        return cur.fetchone()


def test_crash_inside_transaction_loses_and_duplicates_nothing(pipeline, db):
    _send(pipeline, [_enriched(i) for i in range(400)])
    with pytest.raises(Crash):
        _run_sink(pipeline, lambda c, g: CrashingWriter(c, g, crash_on_batch=3))
    landed_before_restart = _count(db)[0]
    assert 0 < landed_before_restart < 400  # the crashed batch was rolled back, earlier ones are in
    _run_sink(pipeline, PostgresWriter)
    assert _count(db) == (400, 400)


def test_restart_seeks_to_stored_offsets_even_when_kafka_commit_was_lost(pipeline, db):
    _send(pipeline, [_enriched(i) for i in range(120)])
    # never commit to Kafka: as if the process died after every Postgres commit
    first = _run_sink(pipeline, PostgresWriter, commit_to_kafka=False)
    assert first.consumed == 120
    again = _run_sink(pipeline, PostgresWriter)
    assert again.consumed == 0, "on assignment the sink must seek to the offsets stored in Postgres"
    assert _count(db) == (120, 120)
