"""Helpers shared by the tests, written once (importable as `support`: tests/ is on sys.path via its conftest).

The repo root and the test data, the test double of a Kafka record, a free port, a snapshot
of the published marts, and the service helpers (landing a season, emptying the warehouse
and the topics, the reconcile with its auditor).
"""
from __future__ import annotations

import json
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from netra.settings import ALL_TOPICS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
#: A valid report.filed event (the template most tests change one field of).
REPORT_FILED = DATA / "events" / "report_filed.json"


def report_filed() -> dict:
    """A fresh copy of the valid report.filed event in tests/data."""
    return json.loads(REPORT_FILED.read_text())


class Record(NamedTuple):
    """What a stage reads of a Kafka ConsumerRecord."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list


def record(value: bytes, topic: str = "reports.raw", partition: int = 0, offset: int = 0, key=None,
           headers=()) -> Record:
    """A Record with the defaults most unit tests want (reports.raw, partition 0, offset 0, no key)."""
    return Record(topic, partition, offset, key, value, list(headers))


def free_port() -> int:
    """A local TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def squatting(port: int):
    """Something else listening on 127.0.0.1:`port` for the duration of the block."""
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", port))
    squatter.listen()
    try:
        yield
    finally:
        squatter.close()


def marts_snapshot(conn) -> tuple[list, list]:
    """Every row of mart.followthrough and mart.followthrough_summary, in key order (to compare two runs)."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM mart.followthrough ORDER BY recommendation_id")
        followthrough = cur.fetchall()
        cur.execute("SELECT * FROM mart.followthrough_summary ORDER BY election_id, province_code, region_code")
        return followthrough, cur.fetchall()


def corrupt_the_audited_marts(monkeypatch) -> None:
    """Make the reconcile's audit see one followthrough row with an unknown status, so it must fail."""
    from expectations import marts

    real = marts.audit_marts

    def corrupting_audit(followthrough, summary, **kw):
        followthrough = followthrough.copy()
        followthrough.loc[followthrough.index[0], "status"] = "forgotten"
        return real(followthrough, summary, **kw)

    monkeypatch.setattr(marts, "audit_marts", corrupting_audit)

# Everything but reference data (ref) and the migration ledger (public) is emptied between tests.
# Read from the catalog, so a table a migration adds is emptied too without a list to keep.
PRESERVED_SCHEMAS = ("ref", "public", "pg_catalog", "information_schema", "pg_toast")


def land_season(conn, season, secret: bytes, group: str = "landed-by-test") -> int:
    """Land a generated season in raw.events through the real stages, without a broker:
    validator (contract + GX) -> enricher -> the sink's writer. Returns the number of events landed.
    """
    return land_messages(conn, [(topic, line) for topic, path in season.files.items() for line in open(path, "rb")],
                         secret, group)


def land_messages(conn, messages, secret: bytes, group: str = "landed-by-test") -> int:
    """Land (ingress topic, message bytes) pairs as land_season does; returns the number of events landed."""
    from consumers.enricher import Enricher
    from consumers.sink import PostgresWriter, Sink
    from consumers.validator import Validator

    offsets: dict[str, int] = {}
    ingress = []
    for topic, value in messages:  # each topic's own offsets, from 0
        offsets[topic] = offsets.get(topic, -1) + 1
        ingress.append(Record(topic, 0, offsets[topic], None, value, []))
    valid = [Record("events.valid", 0, i, m.key, m.value, list(m.headers))
             for i, m in enumerate(Validator().process(ingress).forward)]
    enriched = [Record("events.enriched", 0, i, m.key, m.value, list(m.headers))
                for i, m in enumerate(Enricher(secret=secret).process(valid).forward)]
    PostgresWriter(conn, group)(enriched, Sink(secret=secret).process(enriched))
    return len(enriched)


def warehouse_tables(conn) -> list[str]:
    """Every ordinary or partitioned table outside `PRESERVED_SCHEMAS` that this login may truncate, as quoted
    schema.table (what the owner alone writes, e.g. core.deferred_indexes, a test cannot fill either).
    """
    with conn.cursor() as cur:
        cur.execute(
            "SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND NOT (n.nspname = ANY(%s)) AND n.nspname NOT LIKE 'pg_temp%%'"
            " AND has_table_privilege(c.oid, 'TRUNCATE')"
            " ORDER BY 1",
            (list(PRESERVED_SCHEMAS),),
        )
        return [row[0] for row in cur.fetchall()]


def reconcile(conn, *args, **kwargs):
    """netra.reconcile.run.reconcile with the auditor the command line and the DAGs pass (expectations' GX)."""
    from expectations.warehouse_audit import audit_marts_in_db
    from netra.reconcile import run

    return run.reconcile(conn, *args, auditor=audit_marts_in_db, **kwargs)


def check_published_marts(*args, **kwargs):
    """netra.reconcile.run.check_published_marts with the auditor the daily DAG passes (expectations' GX)."""
    from expectations.warehouse_audit import audit_marts_in_db
    from netra.reconcile import run

    return run.check_published_marts(*args, auditor=audit_marts_in_db, **kwargs)


def truncate_warehouse(conn) -> None:
    """Empty every table but reference data and the migration ledger (raw, core, mart, mart_stage, ...)."""
    tables = warehouse_tables(conn)
    with conn, conn.cursor() as cur:
        cur.execute("TRUNCATE " + ", ".join(tables))


def recreate_topics(settings) -> None:
    """Empty every Netra topic (creating any that is missing), so a test starts from nothing.

    Records are deleted up to each partition's end rather than the topics deleted and re-created:
    that churned leader elections for every partition, and on a loaded machine a send right after
    failed with NotLeaderForPartition. Consumer groups are new per test (NETRA_GROUP_PREFIX) and
    start at the log start offset, so they see only what the test sends.
    """
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    from netra.kafka_auth import ADMIN
    from netra.kafka_io import client_config, create_topics

    create_topics(settings, lambda _m: None)
    admin = KafkaAdminClient(**client_config(settings, ADMIN), client_id="netra-tests")
    consumer = KafkaConsumer(**client_config(settings, ADMIN), client_id="netra-tests")
    try:
        admin.wait_for_topics(list(ALL_TOPICS), timeout_ms=60_000)
        parts = [TopicPartition(t, p) for t in ALL_TOPICS for p in sorted(consumer.partitions_for_topic(t) or ())]
        ends = {tp: end for tp, end in consumer.end_offsets(parts).items() if end > 0}
        if ends:
            admin.delete_records(ends, timeout_ms=60_000)
    finally:
        consumer.close()
        admin.close()


def add_agency_alias(monkeypatch, tmp_path: Path, alias: str, bkn_id: str) -> None:
    """As if a release added a row to agency_aliases.csv: the enricher's tables are read again from a copy with it.

    Undo with monkeypatch.undo() and netra.reference.agencies.clear_caches() (the caches hold the copy).
    """
    import shutil

    from netra.reference import HERE, agencies

    copy = tmp_path / "reference"
    copy.mkdir(exist_ok=True)
    for name in ("agencies.csv", "agency_aliases.csv"):
        shutil.copy(HERE / name, copy / name)
    with open(copy / "agency_aliases.csv", "a", encoding="utf-8") as f:
        f.write(f"{agencies.normalise(alias)},{bkn_id},official\n")
    monkeypatch.setattr(agencies, "HERE", copy)
    agencies.clear_caches()
