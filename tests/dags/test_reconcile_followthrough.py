"""reconcile_followthrough: the DAG folder imports cleanly and dag.test() publishes the marts in real Postgres."""
from __future__ import annotations

import json
from datetime import datetime

from support import REPO


def test_dagbag_has_no_import_errors():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}, f"DAG import errors: {bag.import_errors}"
    dag = bag.get_dag("reconcile_followthrough")
    assert dag is not None, "reconcile_followthrough is in the dags folder"
    assert dag.max_active_runs == 1, "runs of the reconcile DAG never overlap"
    assert not dag.catchup
    assert {t.task_id for t in dag.tasks} == {"reconcile", "publish_overdue_alerts"}
    assert dag.get_task("publish_overdue_alerts").upstream_task_ids == {"reconcile"}


def _land_season(conn, tmp_path, secret: bytes):
    from producers.generate import generate_season
    from support import land_season

    season = generate_season(tmp_path / "season", seed=3, scale=0.05)
    land_season(conn, season, secret)
    return json.loads(season.ground_truth_path.read_text())


def test_dag_test_publishes_marts_matching_the_ground_truth(airflow_db, stack_settings, db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    truth = _land_season(db, tmp_path, stack_settings.hmac_key)
    monkeypatch.setenv("NETRA_PPK_SLA_DAYS", str(truth["sla_days"]))
    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("reconcile_followthrough")
    # the run's data interval ends on the ground truth's as-of day (WIB)
    as_of = datetime.fromisoformat(truth["as_of"] + "T12:00:00+07:00")
    dag_run = dag.test(logical_date=as_of)
    assert dag_run.state == "success", dag_run.state
    # a run with no task instance also ends "success": make sure the tasks really ran
    assert sorted((ti.task_id, ti.state) for ti in dag_run.get_task_instances()) == [
        ("publish_overdue_alerts", "success"), ("reconcile", "success")]

    with db, db.cursor() as cur:
        cur.execute("SELECT recommendation_id, status FROM mart.followthrough")
        got = dict(cur.fetchall())
        cur.execute("SELECT DISTINCT as_of FROM mart.followthrough")
        as_of_days = [r[0].isoformat() for r in cur.fetchall()]
    expected = {rid: r["status"] for rid, r in truth["recommendations"].items()}
    assert got == expected
    assert as_of_days == [truth["as_of"]]

    # every overdue recommendation was alerted exactly once, with its deterministic id
    from netra.reconcile.alerts import alert_event_id

    overdue = sorted(rid for rid, st in expected.items() if st == "overdue")
    assert overdue, "the season has overdue recommendations"
    with db, db.cursor() as cur:
        cur.execute("SELECT recommendation_id, event_id::text FROM core.overdue_alerts ORDER BY 1")
        alerted = cur.fetchall()
    assert alerted == [(rid, alert_event_id(rid)) for rid in overdue]
    assert _alert_messages(stack_settings) == len(overdue)
    dag.test(logical_date=as_of)  # the same logical date again: identical marts, no new alerts
    assert _alert_messages(stack_settings) == len(overdue)


def _alert_messages(settings) -> int:
    from kafka import KafkaConsumer, TopicPartition

    from netra.kafka_auth import client_kwargs

    consumer = KafkaConsumer(**client_kwargs(settings, "alerts-reader"))  # as whoever acts on the notices
    parts = [TopicPartition("alerts.overdue", p) for p in consumer.partitions_for_topic("alerts.overdue")]
    # end minus start: the integration tests empty topics with delete_records, which keeps end offsets
    start, end = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
    n = sum(end[tp] - start[tp] for tp in parts)
    consumer.close()
    return n


def test_check_warehouse_quality_audits_the_published_marts(airflow_db, stack_settings, db, tmp_path):
    from airflow.dag_processing.dagbag import DagBag

    from support import reconcile

    truth = _land_season(db, tmp_path, stack_settings.hmac_key)
    reconcile(db, datetime.fromisoformat(truth["as_of"]).date(), truth["sla_days"])
    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("check_warehouse_quality")
    assert dag.max_active_runs == 1
    dag_run = dag.test()
    assert [(ti.task_id, ti.state) for ti in dag_run.get_task_instances()] == [("audit_published_marts", "success")]
    assert (stack_settings.home / "data_docs" / "daily" / "index.html").exists()
