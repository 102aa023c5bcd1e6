"""`check_warehouse_quality`: daily Great Expectations validation of the published marts, with Data Docs.

The hourly reconcile already audits every new mart before publishing it; this daily run
re-checks what analysts are reading now (e.g. after a manual change or a restore) with the
same checkpoints (`expectations/marts.py`) and rebuilds the Data Docs site under
`$NETRA_HOME/data_docs/daily`. A failure fails the task, so it shows red in the Airflow UI.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="check_warehouse_quality",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Jakarta"),
    catchup=False,
    is_paused_upon_creation=False,  # the schedule (and the asset watcher) runs without a click
    max_active_runs=1,
    tags=["netra", "quality"],
    doc_md=__doc__,
)
def check_warehouse_quality():
    """Airflow DAG that audits the published marts."""
    @task
    def audit_published_marts() -> str:
        from expectations.warehouse_audit import audit_marts_in_db
        from netra.reconcile.run import check_published_marts
        from netra.settings import load

        audit = check_published_marts(load().home / "data_docs" / "daily", say=print, auditor=audit_marts_in_db)
        return str(audit.docs_index)

    audit_published_marts()


check_warehouse_quality()
