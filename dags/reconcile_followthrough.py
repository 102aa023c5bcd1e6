"""reconcile_followthrough: link BKPSDM sanctions to KASN/BKN recommendations and publish the marts.

Hourly and on demand. One task does the whole reconcile in ONE Postgres transaction
(build core from raw.events -> link -> classify -> replace mart.followthrough and
mart.followthrough_summary), so a failure publishes nothing. The as-of date is the
run's data interval end in Asia/Jakarta (WIB), never "now". Same inputs, same marts.
All logic lives in netra.reconcile; `netra reconcile --as-of D` runs the same code.
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
    @task
    def reconcile(data_interval_end=None, dag_run=None) -> dict:
        from netra.reconcile.run import as_of_for_run, run_reconcile

        result = run_reconcile(as_of_for_run(data_interval_end, dag_run), say=print)
        return {"as_of": result.as_of.isoformat(), "recommendations": result.recommendations, **result.by_status}

    reconcile()


reconcile_followthrough()
