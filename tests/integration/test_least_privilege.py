"""Least privilege through the real broker and the real Postgres (issue 13): what each principal may NOT do."""
from __future__ import annotations

import re
import time

import psycopg2
import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, TopicAuthorizationFailedError

from netra.kafka_auth import GRANTS, INGRESS_WRITER, client_kwargs
from netra.kafka_io import make_producer
from netra.settings import ALL_TOPICS, INGRESS_TOPICS


def _send(settings, principal: str, topic: str) -> None:
    producer = make_producer(settings, principal=principal, max_block_ms=8000)
    try:
        producer.send(topic, b'{"probe": true}').get(timeout=15)
    finally:
        producer.close(timeout=5)


def _read(settings, principal: str, topic: str) -> None:
    """Look up, then fetch from, partition 0 without a group: only the topic's DESCRIBE and READ are in play."""
    consumer = KafkaConsumer(**client_kwargs(settings, principal), group_id=None, consumer_timeout_ms=4000,
                             auto_offset_reset="earliest", request_timeout_ms=8000)
    try:
        consumer.beginning_offsets([TopicPartition(topic, 0)])  # refused unless it may at least describe it
        consumer.assign([TopicPartition(topic, 0)])
        consumer.poll(timeout_ms=4000)
        consumer.poll(timeout_ms=1000)
    finally:
        consumer.close()


def test_bkpsdm_cannot_write_reports_raw_nor_any_internal_topic(pipeline):
    _send(pipeline, "bkpsdm", "sanctions.raw")  # its own topic works
    for topic in [t for t in ALL_TOPICS if t != "sanctions.raw"]:
        with pytest.raises(TopicAuthorizationFailedError):
            _send(pipeline, "bkpsdm", topic)


@pytest.mark.parametrize("principal", ["bawaslu", "kasn", "bkpsdm"])
def test_an_upstream_cannot_read_any_topic_not_even_another_upstreams(pipeline, principal):
    for topic in INGRESS_TOPICS:
        with pytest.raises(TopicAuthorizationFailedError):
            _read(pipeline, principal, topic)


def test_stages_write_only_their_outputs(pipeline):
    with pytest.raises(TopicAuthorizationFailedError):
        _send(pipeline, "validator", "events.enriched")  # past the enricher
    with pytest.raises(TopicAuthorizationFailedError):
        _send(pipeline, "enricher", "reports.raw")
    with pytest.raises(TopicAuthorizationFailedError):
        _send(pipeline, "sink", "events.valid")
    # read-only: it may write nowhere, so the broker refuses even a producer id (cluster authorization)
    with pytest.raises(KafkaError, match="AuthorizationFailed"):
        _send(pipeline, "alerts-reader", "alerts.overdue")
    _read(pipeline, "alerts-reader", "alerts.overdue")
    _send(pipeline, "alerts", "alerts.overdue")


def test_replay_writes_the_ingress_topics_and_nothing_else(pipeline):
    """`netra dlq replay` re-sends to ingress; `netra replay` re-enriches in Postgres and needs no topic at all."""
    for topic in INGRESS_TOPICS:
        _send(pipeline, "replay", topic)
    for topic in [t for t in ALL_TOPICS if t not in INGRESS_TOPICS]:  # events.valid included: no validator bypass
        with pytest.raises(TopicAuthorizationFailedError):
            _send(pipeline, "replay", topic)
    with pytest.raises(TopicAuthorizationFailedError):
        _read(pipeline, "replay", "reports.raw")


def test_no_credentials_or_wrong_password_gets_nothing(pipeline):
    """Analysts have no Kafka principal: without valid SCRAM credentials the broker answers nobody."""
    from kafka import KafkaAdminClient

    wrong = dict(client_kwargs(pipeline, "bawaslu"), sasl_plain_username="analyst")
    for config in (wrong, {"bootstrap_servers": pipeline.kafka_bootstrap}):
        with pytest.raises((KafkaError, OSError)):
            admin = KafkaAdminClient(**config, request_timeout_ms=5000, api_version_auto_timeout_ms=5000)
            try:
                admin.list_topics()
            finally:
                admin.close()


def test_grants_match_the_stages_inputs():
    from consumers.enricher import Enricher
    from consumers.sink import Sink
    from consumers.validator import Validator

    for name, stage in (("validator", Validator), ("enricher", Enricher), ("sink", Sink)):
        assert set(GRANTS[name].reads) == set(stage.input_topics)
    assert {INGRESS_WRITER[t] for t in INGRESS_TOPICS} == {"bawaslu", "kasn", "bkpsdm"}


def test_ingress_and_dlq_retention_is_bounded_and_status_checks_it(stack_settings):
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    from netra.kafka_auth import ADMIN
    from netra.retention import retention_days
    from netra.status import retention_status

    admin = KafkaAdminClient(**client_kwargs(stack_settings, ADMIN))
    try:
        days = retention_days(admin)
        assert days == {t: float(stack_settings.ingress_retention_days)
                        for t in ("reports.raw", "recommendations.raw", "sanctions.raw", "events.dlq")}
        assert retention_status(stack_settings)[0]
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "reports.raw",
                                            configs={"retention.ms": str(30 * 86400000)})])
        for _ in range(100):  # the change reaches the broker through the metadata log
            if retention_days(admin)["reports.raw"] == 30.0:
                break
            time.sleep(0.1)
        ok, line = retention_status(stack_settings)
        assert not ok and "reports.raw 30 days" in line and "netra topics create" in line
    finally:
        admin.close()
    from netra.kafka_io import create_topics

    create_topics(stack_settings, lambda _m: None)  # puts it back
    admin = KafkaAdminClient(**client_kwargs(stack_settings, ADMIN))
    try:
        for _ in range(100):
            if retention_days(admin)["reports.raw"] == float(stack_settings.ingress_retention_days):
                break
            time.sleep(0.1)
    finally:
        admin.close()
    assert retention_status(stack_settings)[0]


# ---------------------------------------------------------------- Postgres

NIP_OR_NIK = re.compile(r"(?<![0-9A-Za-z])\d{16}(?:\d{2})?(?![0-9A-Za-z])")


@pytest.fixture
def analyst(pg_settings, tmp_path):
    from netra.warehouse.db import connect, create_analyst

    conn = connect(pg_settings, owner=True)
    try:
        create_analyst(conn, "siti_test", "analyst-pass-0123456789")
    finally:
        conn.close()
    conn = psycopg2.connect(pg_settings.analyst_dsn("siti_test"), password="analyst-pass-0123456789")
    yield conn
    conn.close()


def test_analyst_reads_mart_and_ref_only_and_sees_no_nip_or_nik(pipeline, analyst, run_stages, publish_files,
                                                                tmp_path):
    from datetime import date

    from netra.reconcile.run import run_reconcile
    from producers.generate import generate_season

    season = generate_season(tmp_path / "season", seed=7, scale=0.05, as_of=date(2024, 2, 6))
    publish_files(pipeline, season.files)
    run_stages(pipeline)
    from expectations.warehouse_audit import audit_marts_in_db

    run_reconcile(date(2024, 2, 6), auditor=audit_marts_in_db)

    with analyst, analyst.cursor() as cur:
        cur.execute("SELECT current_user, pg_has_role('netra_analyst', 'member')")
        assert cur.fetchone() == ("siti_test", True)
        cur.execute("SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
        visible = cur.fetchall()
    readable = []
    for schema, table in visible:
        with analyst, analyst.cursor() as cur:
            try:
                cur.execute(f'SELECT * FROM "{schema}"."{table}"')
            except psycopg2.errors.InsufficientPrivilege:
                continue
            readable.append((schema, table))
            for row in cur.fetchall():
                for value in row:
                    assert not NIP_OR_NIK.search(str(value)), f"{schema}.{table} shows a NIP/NIK-shaped value"
    assert {s for s, _ in readable} == {"mart", "ref"}, readable
    assert ("mart", "followthrough") in readable
    with analyst, analyst.cursor() as cur:
        cur.execute("SELECT count(*) FROM mart.followthrough")
        assert cur.fetchone()[0] > 0, "the check above looked at real rows"
    for table in ("raw.events", "core.subjects", "core.sanctions", "raw.rejected_events", "public.netra_migrations"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with analyst, analyst.cursor() as cur:
                cur.execute(f"SELECT 1 FROM {table} LIMIT 1")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with analyst, analyst.cursor() as cur:
            cur.execute("CREATE TABLE public.mine (x int)")


def test_pipeline_login_cannot_create_roles_or_drop_schemas(pg_settings):
    from netra.warehouse.db import connect

    conn = connect(pg_settings)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT current_user, inet_server_addr() IS NOT NULL")
            assert cur.fetchone() == ("netra_pipeline", True), "the pipeline logs in over TCP as netra_pipeline"
        for statement in ("CREATE ROLE intruder LOGIN", "DROP SCHEMA mart CASCADE", "DROP TABLE raw.events",
                          "ALTER ROLE netra_pipeline SUPERUSER", "CREATE SCHEMA mine",
                          "ALTER TABLE raw.events ADD x int"):
            with pytest.raises(psycopg2.Error) as err:
                with conn, conn.cursor() as cur:
                    cur.execute(statement)
            assert isinstance(err.value, (psycopg2.errors.InsufficientPrivilege,)), (statement, err.value)
    finally:
        conn.close()


def test_owner_only_over_the_socket_and_logins_need_a_password(pg_settings):
    with pytest.raises(psycopg2.OperationalError):  # no owner over TCP
        psycopg2.connect(host="127.0.0.1", port=pg_settings.pg_port, user="postgres", dbname="netra",
                         password="", connect_timeout=5)
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(host="127.0.0.1", port=pg_settings.pg_port, user="netra_pipeline", dbname="netra",
                         password="wrong", connect_timeout=5)
