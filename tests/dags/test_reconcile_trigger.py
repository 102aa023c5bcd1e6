"""reconcile_followthrough runs on events: its schedule holds the hourly timetable OR the Kafka-watched asset."""
from __future__ import annotations

import ast
import json
import re

import pytest

from support import REPO


def _dag(dag_id: str = "reconcile_followthrough"):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}, bag.import_errors
    return bag.get_dag(dag_id)


def test_schedule_is_hourly_in_wib_or_the_kafka_watched_asset():
    from airflow.providers.apache.kafka.triggers.msg_queue import KafkaMessageQueueTrigger
    from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable

    dag = _dag()
    schedule = dag.timetable
    assert isinstance(schedule, AssetOrTimeSchedule), f"expected asset-or-time schedule, got {schedule!r}"
    assert isinstance(schedule.timetable, CronTriggerTimetable)
    assert schedule.timetable.expression == "0 * * * *"
    assert str(schedule.timetable.timezone) == "Asia/Jakarta"

    asset = schedule.asset_condition
    assert isinstance(asset, Asset) and asset.name == "netra_followthrough_events"
    (watcher,) = asset.watchers
    trigger = watcher.trigger
    assert isinstance(trigger, KafkaMessageQueueTrigger)
    assert trigger.scheme == "kafka"
    kwargs = trigger.kwargs
    assert sorted(kwargs["topics"]) == ["recommendations.raw", "sanctions.raw"]
    assert kwargs["kafka_config_id"] == "netra_kafka"
    assert kwargs["apply_function"] == "netra.reconcile.watch.followthrough_ref"
    # the trigger the triggerer really runs, as it is serialised into the metadata DB
    classpath, stored = trigger.trigger.serialize()
    assert classpath.endswith("AwaitMessageTrigger")
    assert stored["commit_offset"] is True and sorted(stored["topics"]) == sorted(kwargs["topics"])


def test_the_apply_function_is_importable_by_path_and_picks_sanctions_and_recommendations():
    from airflow.providers.common.compat.module_loading import import_string

    apply = import_string(_dag().timetable.asset_condition.watchers[0].trigger.kwargs["apply_function"])

    class Message:  # the two methods of confluent_kafka.Message the function reads
        def __init__(self, topic: str, value: bytes | None):
            self._topic, self._value = topic, value

        def topic(self):
            return self._topic

        def value(self):
            return self._value

    sanction = {"event_id": "7f8c0e1e-0000-4000-8000-000000000001", "event_type": "sanction.imposed"}
    assert apply(Message("sanctions.raw", json.dumps(sanction).encode())) == {
        "event_id": sanction["event_id"], "event_type": "sanction.imposed", "topic": "sanctions.raw"}
    rec = {"event_id": "x-1", "event_type": "recommendation.issued"}
    assert apply(Message("recommendations.raw", json.dumps(rec).encode()))["event_type"] == "recommendation.issued"
    for junk in (b"not json", b"[1,2]", b'{"event_type": "sanction.imposed"}', None,
                 json.dumps({"event_id": "r", "event_type": "report.filed"}).encode()):
        assert apply(Message("sanctions.raw", junk)) is None, junk


@pytest.mark.parametrize("dag_id", ["reconcile_followthrough", "import_bkpsdm_exports", "check_warehouse_quality"])
def test_dags_start_unpaused_and_their_doc_md_keeps_underscores(dag_id):
    dag = _dag(dag_id)
    assert dag.is_paused_upon_creation is False
    # Markdown reads _x_ as emphasis: every identifier with an underscore must be in a code span
    prose = re.sub(r"`[^`]*`", "", dag.doc_md)
    bare = re.findall(r"\S*\w_\w\S*", prose)
    assert not bare, f"{dag_id} doc_md has bare underscores: {bare}"
    path = REPO / "dags" / f"{dag_id}.py"
    assert dag.doc_md.strip() == ast.get_docstring(ast.parse(path.read_text())), "doc_md is the module docstring"


def test_an_asset_triggered_run_waits_until_its_events_have_landed(airflow_db, stack_settings, db):
    """The reconcile task's wait: events in raw.events or raw.rejected_events count as landed."""
    from types import SimpleNamespace

    from netra.reconcile.watch import event_ids_from_asset_events, wait_until_landed

    with db, db.cursor() as cur:
        cur.execute("TRUNCATE raw.rejected_events")
        cur.execute("INSERT INTO raw.rejected_events (source_topic, source_partition, source_offset, stage, reasons, "
                    "event_id, message_value, rejected_at, dlq_partition, dlq_offset) "
                    "VALUES ('sanctions.raw', 0, 1, 'validator', '{x}', 'refused-1', 'x', now(), 0, 0)")
    events = {"netra_followthrough_events": [
        SimpleNamespace(extra={"from_trigger": True, "payload": {"event_id": "refused-1"}}),
        SimpleNamespace(extra={"from_trigger": True, "payload": {"event_id": "never-landed"}}),
        SimpleNamespace(extra={})]}
    ids = event_ids_from_asset_events(events)
    assert ids == ["never-landed", "refused-1"]
    said = []
    assert wait_until_landed(db, ids, timeout=1.0, say=said.append, interval=0.2) == ["never-landed"]
    assert "not landed after 1s" in said[0]
    assert wait_until_landed(db, ["refused-1"], timeout=0.1) == []
