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
from netra.reconcile.sharing import FETCH_ROWS, SHARED_VALUES, Sharing, no_cyclic_gc

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


def _columns(conn, query, name: str) -> tuple[list[str], list[list]]:
    """The query's column names and its values column by column, fetched FETCH_ROWS rows at a time through a
    server-side cursor, numeric cells as floats (what as_floats would make of their Decimals).

    Text and date cells are shared (netra/reconcile/sharing.py): at 1M rows the region, agency, status, level
    and date columns are ~20M cells of few distinct values. No row tuples are kept.
    """
    from psycopg2 import extensions

    numeric_as_float = extensions.new_type(extensions.DECIMAL.values, "NETRA_NUMERIC_AS_FLOAT",
                                           lambda value, _cur: None if value is None else float(value))
    # a cursor's plan is made for its first tenth of rows (cursor_tuple_fraction): at 1M rows that is an index
    # scan in key order, slower than the sort a plain query gets. For this read only, then back.
    with conn.cursor() as plain:
        plain.execute("SELECT current_setting('cursor_tuple_fraction'), "
                      "set_config('cursor_tuple_fraction', '1', true)")
        ((fraction, _),) = plain.fetchall()
    with no_cyclic_gc():
        columns = _fetch_columns(conn, query, name, numeric_as_float)
    with conn.cursor() as plain:
        plain.execute("SELECT set_config('cursor_tuple_fraction', %s, true)", (fraction,))
    return columns


def _fetch_columns(conn, query, name: str, numeric_as_float) -> tuple[list[str], list[list]]:
    from psycopg2 import extensions

    with conn.cursor(name=name) as cur:
        extensions.register_type(numeric_as_float, cur)
        cur.itersize = FETCH_ROWS
        cur.execute(query)
        columns: list[list] = []
        sharing = None
        names: list[str] = []
        while True:
            chunk = cur.fetchmany(FETCH_ROWS)
            if sharing is None:
                names = [d[0] for d in cur.description]
                columns = [[] for _ in names]
                sharing = Sharing(len(names), SHARED_VALUES)
            if not chunk:
                return names, columns
            for column, values in zip(columns, sharing.columns(chunk)):
                column.extend(values)


def _frame(conn, query, name: str) -> pd.DataFrame:
    import pandas as pd

    names, columns = _columns(conn, query, name)
    if not columns or not columns[0]:
        return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    # built column by column: the same frame DataFrame.from_records makes of the rows (tests/integration/
    # test_mart_frames.py compares them), without a tuple per row or a 2-D object array
    return pd.DataFrame(dict(zip(names, columns)), columns=names)


def _ids(conn, query, name: str) -> set:
    with conn.cursor(name=name) as cur:
        cur.itersize = FETCH_ROWS
        cur.execute(query)
        ids: set = set()
        while chunk := cur.fetchmany(FETCH_ROWS):
            ids.update(r[0] for r in chunk)
        return ids


def frames_from_db(conn, followthrough_table: str = "mart.followthrough",
                   summary_table: str = "mart.followthrough_summary", *,
                   sanctions_table: str = "core.sanctions",
                   recommendations_table: str = "core.recommendations"):
    """(followthrough, summary, sanction_ids, recommendation_ids) read with psycopg2, for the audit.

    The id sets hold the sanction and recommendation ids the followthrough rows name that exist in core: all the
    audit asks of them (expectations.mart_derived.prepare_followthrough).

    Point the table names at staging tables (e.g. `mart_stage.followthrough`) to audit
    new marts before they are published. Reads in the caller's transaction (server-side cursors, so the
    connection must be in one, as the reconcile's is); numeric columns come back as floats.
    """
    from psycopg2 import sql

    followthrough = _frame(conn, sql.SQL("SELECT * FROM {} ORDER BY recommendation_id").format(
        _identifier(followthrough_table)), "netra_audit_followthrough")
    summary = _frame(conn, sql.SQL("SELECT * FROM {} ORDER BY election_id, province_code, region_code").format(
        _identifier(summary_table)), "netra_audit_summary")
    # only the ids the followthrough rows name: an incremental run audits its ~1 % of the rows, and reading all
    # of core's 2M ids for them cost ~2 s at 1M x 1M
    sanction_ids = _ids(conn, sql.SQL("SELECT s.sanction_id FROM {} s WHERE s.sanction_id IN "
                                      "(SELECT f.sanction_id FROM {} f)").format(
        _identifier(sanctions_table), _identifier(followthrough_table)), "netra_audit_sanction_ids")
    recommendation_ids = _ids(conn, sql.SQL("SELECT r.recommendation_id FROM {} r WHERE r.recommendation_id IN "
                                            "(SELECT f.recommendation_id FROM {} f)").format(
        _identifier(recommendations_table), _identifier(followthrough_table)), "netra_audit_recommendation_ids")
    as_floats(followthrough, FOLLOWTHROUGH_NUMERIC)
    as_floats(summary, SUMMARY_NUMERIC)
    return followthrough, summary, sanction_ids, recommendation_ids
