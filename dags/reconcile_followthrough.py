"""`reconcile_followthrough`: link BKPSDM sanctions to KASN/BKN recommendations and publish the marts.

Hourly, **and within seconds of a new sanction or recommendation**, and on demand;
never two runs at once (`max_active_runs=1`). The as-of date is the run's data interval
end (or its `run_after`) in Asia/Jakarta (WIB), never "now", so re-running a logical
date gives identical marts.

**Event-driven runs**: the asset `netra_followthrough_events` has an Airflow asset
watcher with the Kafka message-queue trigger on the ingress topics `sanctions.raw` and
`recommendations.raw` (consumer group `netra.airflow-watcher`, Airflow connection
`netra_kafka`, which `netra stack up --with-airflow` defines from `NETRA_KAFKA_BOOTSTRAP`).
Each such message becomes an asset event; events that arrive while a run is going
collapse into the next run. The run first waits (up to 60 s) until the triggering
events have landed in `raw.events` (or were refused into `raw.rejected_events`).

1. `reconcile` — in ONE Postgres transaction: read `raw.events` landed since the watermark
   into core (incremental upserts, latest event per business id wins), run the link ladder
   (reference → nip → fuzzy, review band to `mart.review_queue`), build the new marts in
   `mart_stage`, validate them with the GX checkpoint (`expectations/marts.py`), and only if it
   passes copy them into `mart` (write-audit-publish). A failed checkpoint fails this task
   visibly and leaves the previous marts in place; Data Docs are written to
   `$NETRA_HOME/data_docs` either way. Every outcome is recorded in `core.reconcile_runs`
   (`netra status` shows the last success and the last failure).
2. `publish_overdue_alerts` — each newly overdue recommendation once to `alerts.overdue`,
   with a deterministic event id.

All logic lives in `netra.reconcile`; `netra reconcile --as-of D [--publish-alerts]` runs the same code.
"""
from __future__ import annotations

import pendulum
from airflow.providers.apache.kafka.triggers.msg_queue import KafkaMessageQueueTrigger
from airflow.sdk import Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable, dag, task

from netra.reconcile.watch import KAFKA_CONN_ID, WATCHED_TOPICS

#: A new sanction or recommendation on an ingress topic (one asset event per message).
FOLLOWTHROUGH_EVENTS = Asset(
    name="netra_followthrough_events",
    uri="kafka://netra/" + ",".join(WATCHED_TOPICS),
    watchers=[AssetWatcher(
        name="followthrough_ingress",
        trigger=KafkaMessageQueueTrigger(
            topics=list(WATCHED_TOPICS),
            kafka_config_id=KAFKA_CONN_ID,
            apply_function="netra.reconcile.watch.followthrough_ref",
            poll_timeout=1,
            poll_interval=0.2,  # sleep after a message that is not a sanction/recommendation
        ),
    )],
)


@dag(
    dag_id="reconcile_followthrough",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 * * * *", timezone="Asia/Jakarta"),
        assets=FOLLOWTHROUGH_EVENTS,
    ),
    # early enough that backfills can reconcile as of any date since Pemilu 2019
    start_date=pendulum.datetime(2018, 1, 1, tz="Asia/Jakarta"),
    catchup=False,
    is_paused_upon_creation=False,  # the schedule (and the asset watcher) runs without a click
    max_active_runs=1,
    tags=["netra", "warehouse"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=1)},
)
def reconcile_followthrough():
    """Airflow DAG that reconciles the follow-through of recommendations."""
    @task(retries=0)  # a failed checkpoint will fail again on the same data: say so at once
    def reconcile(data_interval_end=None, dag_run=None, triggering_asset_events=None) -> dict:
        from expectations.warehouse_audit import audit_marts_in_db
        from netra.dag_dates import as_of_for_run
        from netra.logs import quiet_libraries
        from netra.reconcile.run import run_reconcile
        from netra.reconcile.watch import wait_for_triggering_events

        quiet_libraries()
        wait_for_triggering_events(triggering_asset_events, say=print)
        result = run_reconcile(as_of_for_run(data_interval_end, dag_run), say=print, auditor=audit_marts_in_db,
                               triggered_by=f"airflow:{getattr(dag_run, 'run_id', '?')}")
        return {"as_of": result.as_of.isoformat(), "recommendations": result.recommendations,
                "review": result.review, "unlinked_sanctions": result.unlinked_sanctions, **result.by_status}

    @task
    def publish_overdue_alerts(summary: dict) -> int:
        from netra.reconcile.alerts import publish_for_run

        return publish_for_run(summary["as_of"], say=print)

    publish_overdue_alerts(reconcile())


reconcile_followthrough()
