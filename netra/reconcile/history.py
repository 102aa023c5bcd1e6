"""core.reconcile_runs: every reconcile attempt with its outcome, so a failure is visible after the rollback."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from netra.warehouse.sql import statement


@dataclass
class RunRecord:
    """What a reconcile run reports back to its history row."""

    new_events: int | None = None


@contextmanager
def recorded(conn, as_of: date, triggered_by: str = "command"):
    """Record the attempt inside the block: succeeded, or failed with the error (which is re-raised).

    The row is written in its own transaction after the reconcile's own committed or rolled
    back, so a failed checkpoint still leaves a trace. Recording never hides the real error.
    """
    started = datetime.now(UTC)
    record = RunRecord()
    try:
        yield record
    except BaseException as exc:
        try:
            if conn.closed == 0:
                conn.rollback()
                _insert(conn, started, as_of, False, record.new_events,
                        f"{type(exc).__name__}: {exc}"[:4000], triggered_by)
        except Exception:  # noqa: BLE001 - the warehouse may be what failed; the original error matters
            pass
        raise
    _insert(conn, started, as_of, True, record.new_events, None, triggered_by)


def _insert(conn, started, as_of, succeeded, new_events, error, triggered_by) -> None:
    with conn, conn.cursor() as cur:
        cur.execute(statement("reconcile/record_run"), {
            "started_at": started, "as_of": as_of, "succeeded": succeeded, "new_events": new_events, "error": error,
            "triggered_by": triggered_by})


def last_runs(conn) -> dict:
    """The last successful and the last failed reconcile (None when there was none)."""
    out = {}
    with conn, conn.cursor() as cur:
        for key, ok in (("last_success", True), ("last_failure", False)):
            cur.execute(statement("reconcile/last_run"), {"succeeded": ok})
            row = cur.fetchone()
            out[key] = None if row is None else {"finished_at": row[0], "as_of": row[1], "error": row[2],
                                                  "triggered_by": row[3], "new_events": row[4]}
    return out
