"""The business day an Airflow run is for, in WIB: what the DAGs pass as `as_of` (reconcile) or `today` (import).

Pure date arithmetic, apart from pendulum (which Airflow brings): a DAG imports this without the
warehouse or its SQL.
"""
from __future__ import annotations

from datetime import date

from netra.contracts.vocabulary import today_wib


def as_of_for_run(data_interval_end=None, dag_run=None) -> date:
    """The business day a DAG run reconciles: its data interval end (or run_after for manual runs), in WIB."""
    import pendulum

    moment = data_interval_end or getattr(dag_run, "run_after", None) or getattr(dag_run, "logical_date", None)
    if moment is None:
        raise ValueError("the run has neither a data interval end nor a run_after time")
    return today_wib(pendulum.instance(moment))
