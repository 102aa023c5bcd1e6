"""The auditor the reconcile step is given by its callers (cli, demo, DAGs): GX checkpoints on marts in Postgres.

netra.reconcile sits below expectations/ and must not import it; `netra reconcile`, the
demo and the DAGs pass `audit_marts_in_db` in (`auditor=`), so the write-audit-publish step
still runs the checkpoints of expectations/marts.py, on the marts netra/reconcile/mart_frames.py reads.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def audit_marts_in_db(conn, *, docs_dir: Path | None = None, run_name: str | None = None, staged: bool = False,
                      tables: Mapping[str, str] | None = None, followthrough_rows: int | None = None):
    """Audit the marts in the caller's transaction: the staged ones (`mart_stage.*`) or the published ones.

    `tables` names other relations to read (frames_from_db's table arguments): the reconcile points them at its
    temp views, so that only the ids the audited rows name are read from core, and an incremental run audits
    only the followthrough rows it recomputed; `followthrough_rows` is then the row count of the whole table
    the new marts make (the summary must cover it). Returns expectations.marts.AuditResult (`success`,
    `failures`, `docs_index`).
    """
    from expectations import marts
    from netra.reconcile.mart_frames import frames_from_db

    names = (dict(followthrough_table="mart_stage.followthrough", summary_table="mart_stage.followthrough_summary")
             if staged else {})
    names.update(tables or {})
    followthrough, summary, sanction_ids, recommendation_ids = frames_from_db(conn, **names)
    return marts.audit_marts(followthrough, summary, sanction_ids=sanction_ids,
                             recommendation_ids=recommendation_ids, docs_dir=docs_dir, run_name=run_name,
                             followthrough_rows=followthrough_rows)


def _warm() -> None:
    """Import Great Expectations and the suites (what reconcile runs in a thread while Postgres works)."""
    import great_expectations  # noqa: F401

    import expectations.marts  # noqa: F401


audit_marts_in_db.warm = _warm  # type: ignore[attr-defined]
