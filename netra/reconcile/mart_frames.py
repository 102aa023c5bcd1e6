"""The marts as pandas frames, read from Postgres for the mart audit (expectations/marts.py).

The audit is given the tables as data frames; reading them is warehouse work and lives here,
below the application layer: `expectations/warehouse_audit.py` calls `frames_from_db` and
hands the frames to the GX checkpoints. Table names are parameters (quoted as identifiers,
never interpolated raw), so the staged marts (`mart_stage.*`) are audited before they are
published. pandas and psycopg2 are imported lazily.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from netra.contracts.vocabulary import STATUS_COUNTS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: mart.followthrough_summary's count columns (DESIGN.md §5): the five status counts partition `recommended`.
SUMMARY_COUNTS = ("reported_asn", "proven_asn", "recommended") + STATUS_COUNTS
#: Numeric columns, which psycopg2 returns as Decimal.
FOLLOWTHROUGH_NUMERIC = ("link_score", "days_to_sanction", "sanction_code")
SUMMARY_NUMERIC = SUMMARY_COUNTS + ("followthrough_rate", "median_days_to_sanction")


def as_floats(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Decimal columns (psycopg2's numeric) as floats, in place, so GX compares them with numbers.

    A column that does not convert is left as it is: GX then fails its range rule
    rather than the audit silently reading a bad value as null.
    """
    for name in columns:
        if name in frame.columns and frame[name].dtype == object:
            values = frame[name]
            if values.map(lambda v: isinstance(v, Decimal)).any() and values.map(
                    lambda v: v is None or isinstance(v, (int, float, Decimal))).all():
                frame[name] = values.astype("float64")


def _identifier(name: str):
    """`schema.table` as a quoted SQL identifier (table names are parameters, never interpolated raw)."""
    from psycopg2 import sql

    return sql.Identifier(*name.split("."))


def _frame(cur, query, columns: Iterable[str] | None = None) -> pd.DataFrame:
    import pandas as pd

    cur.execute(query)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if not rows:
        return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    return pd.DataFrame.from_records(rows, columns=names)


def frames_from_db(conn, followthrough_table: str = "mart.followthrough",
                   summary_table: str = "mart.followthrough_summary", *,
                   sanctions_table: str = "core.sanctions",
                   recommendations_table: str = "core.recommendations"):
    """(followthrough, summary, sanction_ids, recommendation_ids) read with psycopg2, for the audit.

    Point the table names at staging tables (e.g. `mart_stage.followthrough`) to audit
    new marts before they are published. Reads in the caller's transaction; numeric
    columns come back as floats.
    """
    from psycopg2 import sql

    with conn.cursor() as cur:
        followthrough = _frame(cur, sql.SQL("SELECT * FROM {} ORDER BY recommendation_id").format(
            _identifier(followthrough_table)))
        summary = _frame(cur, sql.SQL("SELECT * FROM {} ORDER BY election_id, province_code, region_code").format(
            _identifier(summary_table)))
        cur.execute(sql.SQL("SELECT sanction_id FROM {}").format(_identifier(sanctions_table)))
        sanction_ids = {r[0] for r in cur.fetchall()}
        cur.execute(sql.SQL("SELECT recommendation_id FROM {}").format(_identifier(recommendations_table)))
        recommendation_ids = {r[0] for r in cur.fetchall()}
    as_floats(followthrough, FOLLOWTHROUGH_NUMERIC)
    as_floats(summary, SUMMARY_NUMERIC)
    return followthrough, summary, sanction_ids, recommendation_ids
