"""reconcile_followthrough: link BKPSDM sanctions to KASN/BKN recommendations and publish the marts.

Hourly and on demand; never two runs at once (max_active_runs=1). The as-of date is the
run's data interval end in Asia/Jakarta (WIB), never "now", so re-running a logical
date gives identical marts.

1. `reconcile` — in ONE Postgres transaction: read raw.events landed since the watermark
   into core (incremental upserts, latest event per business id wins), run the link ladder
   (reference -> nip -> fuzzy, review band to mart.review_queue), build the new marts in
   mart_stage, validate them with the GX checkpoint (expectations/marts.py), and only if it
   passes copy them into mart (write-audit-publish). A failed checkpoint fails this task
   visibly and leaves the previous marts in place; Data Docs are written to
   NETRA_HOME/data_docs either way.
2. `publish_overdue_alerts` — each newly overdue recommendation once to alerts.overdue,
   with a deterministic event id.

All logic lives in netra.reconcile; `netra reconcile --as-of D [--publish-alerts]` runs the same code.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="reconcile_followthrough",
    schedule="@hourly",
    # early enough that backfills can reconcile as of any date since Pemilu 2019
    start_date=pendulum.datetime(2018, 1, 1, tz="Asia/Jakarta"),
    catchup=False,
    max_active_runs=1,
    tags=["netra", "warehouse"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=1)},
)
def reconcile_followthrough():
    @task(retries=0)  # a failed checkpoint will fail again on the same data: say so at once
    def reconcile(data_interval_end=None, dag_run=None) -> dict:
        from expectations.warehouse_audit import audit_marts_in_db
        from netra.reconcile.run import as_of_for_run, run_reconcile

        result = run_reconcile(as_of_for_run(data_interval_end, dag_run), say=print, auditor=audit_marts_in_db)
        return {"as_of": result.as_of.isoformat(), "recommendations": result.recommendations,
                "review": result.review, "unlinked_sanctions": result.unlinked_sanctions, **result.by_status}

    @task
    def publish_overdue_alerts(summary: dict) -> int:
        from netra.reconcile.alerts import publish_for_run

        return publish_for_run(summary["as_of"], say=print)

    publish_overdue_alerts(reconcile())


reconcile_followthrough()
