"""Helpers shared by the service fixtures (importable as `support`: tests/ is on sys.path via its conftest)."""
from __future__ import annotations

import time
from pathlib import Path

from netra.settings import ALL_TOPICS

REPO = Path(__file__).resolve().parents[1]

# Everything but reference data (ref) and the migration ledger (public) is emptied between tests.
# Read from the catalog, so a table a migration adds is emptied too without a list to keep.
PRESERVED_SCHEMAS = ("ref", "public", "pg_catalog", "information_schema", "pg_toast")


def land_season(conn, season, secret: bytes, group: str = "landed-by-test") -> int:
    """Land a generated season in raw.events through the real stages, without a broker:
    validator (contract + GX) -> enricher -> the sink's writer. Returns the number of events landed."""
    from collections import namedtuple

    from consumers.enricher import Enricher
    from consumers.sink import PostgresWriter, Sink
    from consumers.validator import Validator

    Record = namedtuple("Record", "topic partition offset key value headers")
    ingress = [Record(topic, 0, i, None, line, []) for topic, path in season.files.items()
               for i, line in enumerate(open(path, "rb"))]
    valid = [Record("events.valid", 0, i, m.key, m.value, list(m.headers))
             for i, m in enumerate(Validator().process(ingress).forward)]
    enriched = [Record("events.enriched", 0, i, m.key, m.value, list(m.headers))
                for i, m in enumerate(Enricher(secret=secret).process(valid).forward)]
    PostgresWriter(conn, group)(enriched, Sink(secret=secret).process(enriched))
    return len(enriched)


def warehouse_tables(conn) -> list[str]:
    """Every ordinary or partitioned table outside `PRESERVED_SCHEMAS`, as quoted schema.table."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND NOT (n.nspname = ANY(%s)) AND n.nspname NOT LIKE 'pg_temp%%'"
            " ORDER BY 1",
            (list(PRESERVED_SCHEMAS),),
        )
        return [row[0] for row in cur.fetchall()]


def truncate_warehouse(conn) -> None:
    """Empty every table but reference data and the migration ledger (raw, core, mart, mart_stage, ...)."""
    tables = warehouse_tables(conn)
    with conn, conn.cursor() as cur:
        cur.execute("TRUNCATE " + ", ".join(tables))


def recreate_topics(settings) -> None:
    """Delete and re-create every Netra topic, so a test starts from empty topics."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError, UnknownTopicOrPartitionError

    from netra.kafka_io import create_topics

    from netra.kafka_auth import ADMIN, client_kwargs

    admin = KafkaAdminClient(**client_kwargs(settings, ADMIN), client_id="netra-tests")
    try:
        existing = [t for t in admin.list_topics() if t in ALL_TOPICS]
        if existing:
            try:
                admin.delete_topics(existing)
            except UnknownTopicOrPartitionError:
                pass
        deadline = time.monotonic() + 30
        while any(t in ALL_TOPICS for t in admin.list_topics()):
            if time.monotonic() > deadline:
                raise TimeoutError("topics were not deleted within 30s")
            time.sleep(0.2)
    finally:
        admin.close()
    deadline = time.monotonic() + 30
    while True:  # deletion is asynchronous in KRaft: retry until the names are free again
        try:
            create_topics(settings, lambda _m: None)
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    _wait_for_leaders(settings, deadline)


def _wait_for_leaders(settings, deadline: float) -> None:
    """A consumer that joins before every partition of a fresh topic has a leader can be assigned nothing."""
    from kafka import KafkaAdminClient

    from netra.kafka_auth import ADMIN, client_kwargs

    admin = KafkaAdminClient(**client_kwargs(settings, ADMIN), client_id="netra-tests")
    try:
        while True:
            topics = admin.describe_topics(list(ALL_TOPICS))
            if len(topics) == len(ALL_TOPICS) and all(
                    t["error_code"] == 0 and len(t["partitions"]) == settings.topic_partitions
                    and all(p["error_code"] == 0 and p["leader_id"] >= 0 for p in t["partitions"]) for t in topics):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the re-created topics got no partition leaders within 30s")
            time.sleep(0.2)
    finally:
        admin.close()
    # ... and a leader in the metadata is not yet a partition that serves: ListOffsets is answered by the
    # partition itself, so once it answers for every partition, produce and fetch work too
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    consumer = KafkaConsumer(**client_kwargs(settings, ADMIN), client_id="netra-tests")
    try:
        parts = [TopicPartition(t, p) for t in ALL_TOPICS for p in range(settings.topic_partitions)]
        while True:
            try:
                consumer.end_offsets(parts)
                return
            except KafkaError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        consumer.close()


