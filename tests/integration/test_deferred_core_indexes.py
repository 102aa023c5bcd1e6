"""A full rebuild builds core's secondary indexes after the inserts, not row by row (migration 0032, issue 11).

core.defer_core_indexes() and core.restore_core_indexes() run as the owner for the pipeline login, which may not
drop an index itself. What must hold: after any reconcile core has exactly the indexes the migrations made; the
deferral drops nothing while core holds rows; and the pipeline cannot touch the definitions kept in between.
"""
from __future__ import annotations

from datetime import date

import psycopg2
import pytest

from support import land_season, reconcile

BUILT = ("reports", "subjects", "decisions", "recommendations", "recommendation_closures", "sanctions",
         "sanction_revocations")


def _indexes(conn) -> dict[str, tuple[int, str]]:
    """The indexes in schema core: name -> (oid, definition)."""
    with conn.cursor() as cur:
        cur.execute("SELECT c.relname, c.oid, pg_get_indexdef(c.oid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'core'::regnamespace")
        return {name: (oid, definition) for name, oid, definition in cur.fetchall()}


def _secondary(conn) -> set[str]:
    """The indexes of the tables build_core fills that back no constraint (what the deferral drops)."""
    with conn.cursor() as cur:
        cur.execute("SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = ANY (%s::regclass[]) "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                    ([f"core.{t}" for t in BUILT],))
        return {row[0] for row in cur.fetchall()}


@pytest.fixture
def season(tmp_path):
    from producers.generate import generate_season

    return generate_season(tmp_path / "season", seed=5, scale=0.1)


def _as_of(season) -> date:
    return season.as_of if isinstance(season.as_of, date) else date.fromisoformat(season.as_of)


def test_a_full_rebuild_builds_the_same_indexes_again(db, pg_settings, season):
    from netra.warehouse.db import connect

    land_season(db, season, pg_settings.hmac_key)
    first = reconcile(db, _as_of(season), 30)  # nothing reconciled yet: core is empty, a full build
    before = _indexes(db)
    secondary = _secondary(db)
    assert {"core.recommendations_nip_idx", "core.sanctions_nip_idx"} <= secondary

    full = reconcile(db, _as_of(season), 30, full=True)
    after = _indexes(db)
    assert {name: d for name, (_, d) in after.items()} == {name: d for name, (_, d) in before.items()}
    rebuilt = {name for name in after if after[name][0] != before[name][0]}
    assert {f"core.{name}" for name in rebuilt} == secondary, "the secondary indexes, and only they, were rebuilt"
    assert full.by_status == first.by_status and full.by_link_method == first.by_link_method

    owner = connect(pg_settings, owner=True)
    try:
        with owner, owner.cursor() as cur:
            cur.execute("SELECT count(*) FROM core.deferred_indexes")
            assert cur.fetchone()[0] == 0
    finally:
        owner.close()


def test_deferral_drops_nothing_while_core_holds_rows(db, pg_settings, season):
    land_season(db, season, pg_settings.hmac_key)
    reconcile(db, _as_of(season), 30)
    before = _indexes(db)
    with db.cursor() as cur:
        cur.execute("SELECT core.defer_core_indexes()")
        assert cur.fetchone()[0] == 0
    assert _indexes(db) == before
    db.rollback()


def test_on_an_empty_core_the_secondary_indexes_go_and_come_back(db):
    before = _indexes(db)
    secondary = _secondary(db)
    with db.cursor() as cur:
        cur.execute("SELECT core.defer_core_indexes()")
        assert cur.fetchone()[0] == len(secondary) > 0
        assert set(before) - set(_indexes(db)) == {name.removeprefix("core.") for name in secondary}
        cur.execute("SELECT core.restore_core_indexes()")
        assert cur.fetchone()[0] == len(secondary)
        cur.execute("SELECT core.restore_core_indexes()")
        assert cur.fetchone()[0] == 0, "nothing is built twice"
    assert {n: d for n, (_, d) in _indexes(db).items()} == {n: d for n, (_, d) in before.items()}
    db.rollback()


def test_the_pipeline_cannot_touch_the_kept_definitions(db):
    for query in ("SELECT * FROM core.deferred_indexes",
                  "INSERT INTO core.deferred_indexes VALUES ('x', 'DROP TABLE raw.events')"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with db.cursor() as cur:
                cur.execute(query)
        db.rollback()
