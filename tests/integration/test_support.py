"""The test helpers themselves: `truncate_warehouse` empties every table a test can fill."""
from __future__ import annotations

from datetime import date

from support import land_season, truncate_warehouse, warehouse_tables


def _counts(conn) -> dict[str, int]:
    counts = {}
    with conn.cursor() as cur:
        for table in warehouse_tables(conn):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    return counts


def test_truncate_warehouse_empties_every_table_but_reference_data(db, pg_settings, tmp_path):
    from producers.generate import generate_season
    from support import reconcile

    season = generate_season(tmp_path / "season", seed=3, scale=0.05)
    land_season(db, season, pg_settings.hmac_key)
    reconcile(db, date(2024, 2, 6), pg_settings.ppk_sla_days)
    filled = {t for t, n in _counts(db).items() if n}
    assert {"raw.events", "raw.consumer_offsets", "core.recommendations", "core.links", "mart.followthrough"} <= filled

    truncate_warehouse(db)

    assert {t: n for t, n in _counts(db).items() if n} == {}
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM ref.regions")
        assert cur.fetchone()[0] > 500
