"""The marts as the audit reads them (netra/reconcile/mart_frames.py), from a real reconciled warehouse.

The read streams through a server-side cursor, shares repeated text and date values and takes numerics as
floats, to keep a 1M-row followthrough mart within memory (BENCHMARKS.md, reconcile growth). Whatever it
does inside, the frames must be exactly the ones the plain read makes: every row fetched at once, turned
into a frame by `DataFrame.from_records`, numerics converted by `as_floats`.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from psycopg2 import sql

from netra.reconcile import mart_frames
from support import land_season, reconcile

AS_OF = date(2024, 2, 6)


def _plain_read(conn, followthrough_table="mart.followthrough", summary_table="mart.followthrough_summary"):
    with conn.cursor() as cur:
        def frame(query):
            cur.execute(query)
            return pd.DataFrame.from_records(cur.fetchall(), columns=[d[0] for d in cur.description])

        ft = frame(sql.SQL("SELECT * FROM {} ORDER BY recommendation_id").format(
            sql.Identifier(*followthrough_table.split("."))))
        sm = frame(sql.SQL("SELECT * FROM {} ORDER BY election_id, province_code, region_code").format(
            sql.Identifier(*summary_table.split("."))))
        cur.execute("SELECT sanction_id FROM core.sanctions")
        sanctions = {r[0] for r in cur.fetchall()}
        cur.execute("SELECT recommendation_id FROM core.recommendations")
        recommendations = {r[0] for r in cur.fetchall()}
    mart_frames.as_floats(ft, mart_frames.FOLLOWTHROUGH_NUMERIC)
    mart_frames.as_floats(sm, mart_frames.SUMMARY_NUMERIC)
    # the audit needs to know of the ids the rows name whether core has them
    named = set(ft["sanction_id"].dropna()), set(ft["recommendation_id"].dropna())
    return ft, sm, sanctions & named[0], recommendations & named[1]


@pytest.fixture
def reconciled(db, pg_settings, tmp_path):
    from producers.generate import generate_season

    season = generate_season(tmp_path / "season", seed=5, scale=0.1, fuzzy_rate=0.2)
    land_season(db, season, pg_settings.hmac_key)
    reconcile(db, AS_OF, 30)
    return db


def _assert_same(read, plain):
    pd.testing.assert_frame_equal(read[0], plain[0], check_exact=True)
    pd.testing.assert_frame_equal(read[1], plain[1], check_exact=True)
    assert read[2] == plain[2] and read[3] == plain[3]


@pytest.mark.parametrize("fetch_rows, shared_values", [(mart_frames.FETCH_ROWS, mart_frames.SHARED_VALUES),
                                                        (7, 3)])  # many chunks; sharing stops part-way
def test_frames_equal_the_plain_read(reconciled, monkeypatch, fetch_rows, shared_values):
    monkeypatch.setattr(mart_frames, "FETCH_ROWS", fetch_rows)
    monkeypatch.setattr(mart_frames, "SHARED_VALUES", shared_values)
    with reconciled:
        read = mart_frames.frames_from_db(reconciled)
        plain = _plain_read(reconciled)
    assert len(read[0]) > 50 and read[2] and read[3]
    assert read[0]["link_score"].dtype == "float64"  # numeric(4, 3)
    assert read[1]["followthrough_rate"].dtype == "float64"
    _assert_same(read, plain)


def test_values_are_shared_but_ids_are_not(reconciled):
    with reconciled:
        followthrough = mart_frames.frames_from_db(reconciled)[0]
    statuses = followthrough["status"].tolist()
    first = {}
    for value in statuses:
        assert first.setdefault(value, value) is value  # one object per distinct status
    assert followthrough["recommendation_id"].is_unique


def test_reads_the_named_tables_and_leaves_the_transaction_as_it_was(reconciled):
    with reconciled, reconciled.cursor() as cur:
        cur.execute("SET LOCAL cursor_tuple_fraction = 0.25")
        cur.execute("CREATE TEMP TABLE few ON COMMIT DROP AS SELECT * FROM mart.followthrough "
                    "ORDER BY recommendation_id LIMIT 3")
        read = mart_frames.frames_from_db(reconciled, "pg_temp.few")
        cur.execute("SHOW cursor_tuple_fraction")
        assert cur.fetchone()[0] == "0.25"
        _assert_same(read, _plain_read(reconciled, "pg_temp.few"))
    assert len(read[0]) == 3


def test_an_empty_mart_reads_as_an_empty_frame(db):
    with db:
        followthrough, summary, sanctions, recommendations = mart_frames.frames_from_db(db)
    assert followthrough.empty and summary.empty and not sanctions and not recommendations
    assert "recommendation_id" in followthrough.columns
