"""The auditor the reconcile step is given by its callers (cli, demo, DAGs): GX checkpoints on marts in Postgres.

netra.reconcile sits below expectations/ and must not import it; `netra reconcile`, the
demo and the DAGs pass `audit_marts_in_db` in (`auditor=`), so the write-audit-publish step
still runs the checkpoints of expectations/marts.py, on the marts netra/reconcile/mart_frames.py reads.
"""
from __future__ import annotations

from pathlib import Path


def audit_marts_in_db(conn, *, docs_dir: Path | None = None, run_name: str | None = None, staged: bool = False):
    """Audit the marts in the caller's transaction: the staged ones (`mart_stage.*`) or the published ones.

    Returns expectations.marts.AuditResult (`success`, `failures`, `docs_index`).
    """
    from expectations import marts
    from netra.reconcile.mart_frames import frames_from_db

    tables = (dict(followthrough_table="mart_stage.followthrough", summary_table="mart_stage.followthrough_summary")
              if staged else {})
    followthrough, summary, sanction_ids, recommendation_ids = frames_from_db(conn, **tables)
    return marts.audit_marts(followthrough, summary, sanction_ids=sanction_ids,
                             recommendation_ids=recommendation_ids, docs_dir=docs_dir, run_name=run_name)


def _warm() -> None:
    """Import Great Expectations and the suites (what reconcile runs in a thread while Postgres works)."""
    import great_expectations  # noqa: F401

    import expectations.marts  # noqa: F401


audit_marts_in_db.warm = _warm  # type: ignore[attr-defined]
