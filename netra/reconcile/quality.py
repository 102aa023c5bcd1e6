"""Stored results of the mart audits (mart.quality_runs / mart.quality_results): written by the
reconcile's checkpoint and the daily check, read by `netra report --html`'s data-quality section.

A failed reconcile audit rolls its transaction back (nothing is published), so its results
are written afterwards in a transaction of their own: the failures are what readers most
need to see.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

#: mart.quality_runs.kind
KINDS = ("reconcile", "check")
#: Runs the report shows in its history table.
HISTORY_RUNS = 10

_RECORD_COLUMNS = ("suite", "ordinal", "expectation", "target", "rule", "description", "success",
                   "element_count", "unexpected_count", "unexpected_percent", "observed", "error")


def store_audit(cur, records: Iterable, *, kind: str, run_name: str, as_of: date | None,
                published: bool | None) -> str:
    """Insert one audit run and its expectation records (ExpectationRecord-like); returns the run id."""
    from psycopg2.extras import execute_values

    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}; expected one of {KINDS}")
    records = list(records)
    failed = sum(1 for r in records if not r.success)
    cur.execute("INSERT INTO mart.quality_runs (kind, run_name, as_of, success, published, evaluated, failed) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING run_id::text",
                (kind, run_name, as_of, failed == 0, published, len(records), failed))
    run_id = cur.fetchone()[0]
    if records:
        execute_values(cur, f"INSERT INTO mart.quality_results (run_id, {', '.join(_RECORD_COLUMNS)}) VALUES %s",
                       [(run_id, *(getattr(r, c) for c in _RECORD_COLUMNS)) for r in records])
    return run_id


@dataclass(frozen=True)
class QualityRun:
    """One stored audit (a row of mart.quality_runs)."""

    run_id: str
    kind: str
    run_name: str
    as_of: date | None
    checked_at: datetime
    success: bool
    published: bool | None
    evaluated: int
    failed: int


@dataclass(frozen=True)
class QualityRow:
    """One expectation of the latest audit, as the report shows it."""

    suite: str
    rule: str | None
    expectation: str
    target: str | None
    description: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    observed: str | None
    error: str | None


@dataclass
class Quality:
    """The latest audit of each kind with its expectations, and the recent runs (newest first)."""

    latest: dict[str, QualityRun] = field(default_factory=dict)
    expectations: dict[str, list[QualityRow]] = field(default_factory=dict)  # kind -> rows of latest[kind]
    history: list[QualityRun] = field(default_factory=list)


def load_quality(cur, history: int = HISTORY_RUNS) -> Quality:
    """What the report's data-quality section shows; reads mart only (netra_analyst may run it)."""
    run_columns = "run_id::text, kind, run_name, as_of, checked_at, success, published, evaluated, failed"
    cur.execute(f"SELECT {run_columns} FROM mart.quality_runs ORDER BY checked_at DESC, run_id LIMIT %s",
                (history,))
    recent = [QualityRun(*row) for row in cur.fetchall()]
    cur.execute(f"SELECT DISTINCT ON (kind) {run_columns} FROM mart.quality_runs "
                "ORDER BY kind, checked_at DESC, run_id")
    latest = {row[1]: QualityRun(*row) for row in cur.fetchall()}
    expectations = {}
    for kind, run in latest.items():
        cur.execute("SELECT suite, rule, expectation, target, description, success, element_count, "
                    "unexpected_count, unexpected_percent::float8, observed, error FROM mart.quality_results "
                    "WHERE run_id = %s ORDER BY suite, ordinal", (run.run_id,))
        expectations[kind] = [QualityRow(*row) for row in cur.fetchall()]
    return Quality(latest, expectations, recent)


@dataclass(frozen=True)
class Freshness:
    """How current the report is (mart.freshness): the latest landed event and the last published reconcile."""

    latest_event_landed_at: datetime | None = None
    last_reconciled_at: datetime | None = None
    last_reconciled_as_of: date | None = None
    reconciled_through: datetime | None = None
    last_audit_at: datetime | None = None


def load_freshness(cur) -> Freshness:
    """The one row of mart.freshness (all None on an empty warehouse)."""
    cur.execute("SELECT latest_event_landed_at, last_reconciled_at, last_reconciled_as_of, reconciled_through, "
                "last_audit_at FROM mart.freshness")
    row = cur.fetchone()
    return Freshness(*row) if row else Freshness()


def load_report_context(conn) -> tuple[Quality, Freshness]:
    """The data-quality section and the freshness line of the HTML report, in one read-only transaction."""
    with conn, conn.cursor() as cur:
        return load_quality(cur), load_freshness(cur)
