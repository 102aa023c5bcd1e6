"""What an operator meets, on the real broker and Postgres: clear errors, metrics, status --json, DLQ dedup."""
from __future__ import annotations

import copy
import json
import urllib.request
import uuid

import pytest

from netra.kafka_io import make_producer
from support import free_port, report_filed

TEMPLATE = report_filed()


def _bad_report(report_id: str) -> dict:
    e = copy.deepcopy(TEMPLATE)
    e["event_id"] = str(uuid.uuid4())
    e["payload"]["report_id"] = report_id
    e["payload"]["filed_on"] = "1999-12-31"  # date.out_of_range
    return e




def _send(settings, values: list[bytes], topic: str = "reports.raw") -> None:
    from netra.kafka_io import await_delivery

    producer = make_producer(settings, retries=50)  # topics were just re-created: leaders may still move
    try:
        await_delivery(producer, [producer.send(topic, value=value, key=b"k") for value in values])
    finally:
        producer.close()


@pytest.fixture
def pending_migration(pg_settings):
    """The warehouse as after an upgrade without `netra db migrate`: its newest migration not applied yet."""
    from netra.warehouse.db import connect

    conn = connect(pg_settings, owner=True)
    with conn, conn.cursor() as cur:
        cur.execute("DELETE FROM public.netra_migrations WHERE version = (SELECT max(version) FROM "
                    "public.netra_migrations) RETURNING version, sha256, applied_at")
        row = cur.fetchone()
    yield row[0]
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO public.netra_migrations (version, sha256, applied_at) VALUES (%s, %s, %s)", row)
    conn.close()


def test_the_sink_before_db_migrate_says_run_netra_db_migrate(pipeline, pending_migration, capsys):
    from netra.cli import main

    assert main(["consume", "sink", "--until-idle", "1"]) == 1
    captured = capsys.readouterr()
    assert "is not migrated" in captured.err and captured.err.rstrip().endswith("run `netra db migrate`")
    assert "rebalance" not in captured.err and "error" not in captured.out


def test_a_missing_topic_is_said_with_the_command_that_creates_it(pipeline, monkeypatch, capsys):
    import time

    from kafka import KafkaAdminClient

    from netra.cli import main
    from netra.kafka_auth import ADMIN
    from netra.kafka_io import client_config

    admin = KafkaAdminClient(**client_config(pipeline, ADMIN))
    try:
        admin.delete_topics(["events.enriched"])  # the enricher's output
        deadline = time.monotonic() + 30  # deletion is asynchronous on the broker
        while "events.enriched" in admin.list_topics() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        admin.close()
    assert main(["consume", "enricher", "--until-idle", "1"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (f"error: Kafka at {pipeline.kafka_bootstrap} (NETRA_KAFKA_BOOTSTRAP) has no topic "
                           "events.enriched: run `netra topics create`")


def test_an_identical_resent_reject_is_stored_once_but_a_failed_replay_again(pipeline, db, run_stages):
    from netra import dlq

    bad = json.dumps(_bad_report("DEDUP/1")).encode()
    other = json.dumps(_bad_report("DEDUP/2")).encode()
    _send(pipeline, [bad, bad, other])
    run_stages(pipeline)
    _send(pipeline, [bad])  # re-sent later: a new offset, the same bytes
    run_stages(pipeline)
    rows = dlq.list_rejects(db, include_replayed=True)
    assert sorted(r["event_id"] for r in rows) == sorted({json.loads(bad)["event_id"], json.loads(other)["event_id"]})

    producer = make_producer(pipeline)
    try:  # the "fix" did not help: the replayed reject is refused again and IS a new open row
        dlq.replay(db, producer, reason="date.out_of_range", secret=pipeline.hmac_key, say=lambda _m: None)
    finally:
        producer.close()
    run_stages(pipeline)
    rows = dlq.list_rejects(db, include_replayed=True)
    assert len(rows) == 4 and sum(r["replayed_at"] is None for r in rows) == 2


def test_metrics_endpoint_counts_what_the_stage_did(pipeline, db):
    from consumers.loop import StopFlag
    from consumers.run import run_stage
    from netra.metrics import StageMetrics

    good = copy.deepcopy(TEMPLATE)
    good["event_id"] = str(uuid.uuid4())
    _send(pipeline, [json.dumps(good).encode(), b"{not json", json.dumps(_bad_report("M/1")).encode()])
    metrics = StageMetrics("validator")
    port = free_port()
    metrics.serve(port)
    try:
        run_stage("validator", pipeline, until_idle=2.0, stop=StopFlag(install=False), metrics=metrics)
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        metrics.close()
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
              if line.startswith("netra_") and " " in line}
    assert values['netra_consumer_messages_consumed_total{stage="validator"}'] == 3
    assert values['netra_consumer_messages_forwarded_total{stage="validator"}'] == 1
    assert values['netra_consumer_messages_rejected_total{stage="validator"}'] == 2
    assert values['netra_consumer_batch_duration_seconds_count{stage="validator"}'] >= 1
    assert values['netra_consumer_lag_messages{stage="validator"}'] == 0
    assert values['netra_consumer_last_commit_timestamp_seconds{stage="validator"}'] > 1.7e9
    # a second member on the same port is told what to do
    first, second = StageMetrics("validator"), StageMetrics("validator")
    first.serve(port)
    try:
        with pytest.raises(RuntimeError, match="--metrics-port"):
            second.serve(port)
    finally:
        first.close()


def test_status_json_has_consumer_liveness_and_the_last_failed_reconcile(pipeline, db, capsys):
    from datetime import date

    from netra.cli import main
    from netra.reconcile.history import recorded

    with pytest.raises(ZeroDivisionError):
        with recorded(db, date(2024, 2, 6), "test"):
            _ = 1 / 0
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["consumers"]) == {"validator", "enricher", "sink"}
    assert all(c["members"] == 0 for c in data["consumers"].values()), "no consumer of this test's groups runs"
    failure = data["warehouse"]["last_failure"]
    assert failure["error"] == "ZeroDivisionError: division by zero" and failure["triggered_by"] == "test"
    assert data["stack"]["kafka"]["running"] and data["ok"] is True
