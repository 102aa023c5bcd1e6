"""An incremental reconcile over new events gives exactly the marts of a full rebuild (issue 11).

The season is landed in two parts through the real stages (no broker): the first part,
reconcile; the rest, reconcile again incrementally (only what landed since the watermark is
read). Every published mart must then equal what `reconcile(full=True)` builds from all of
raw.events.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

from netra.reconcile.run import MART_TABLES
from support import land_season, reconcile


def _split(season, tmp_path: Path, share: float):
    """Two seasons-like objects: the first `share` of each topic file's lines (arrival order), and the rest."""
    first, rest = {}, {}
    for topic, path in season.files.items():
        lines = path.read_bytes().splitlines(keepends=True)
        cut = int(len(lines) * share)
        for part, chunk in ((first, lines[:cut]), (rest, lines[cut:])):
            out = tmp_path / f"{'first' if part is first else 'rest'}-{topic}.jsonl"
            out.write_bytes(b"".join(chunk))
            part[topic] = out
    return SimpleNamespace(files=first), SimpleNamespace(files=rest)


def _marts(db) -> dict:
    with db, db.cursor() as cur:
        out = {}
        for table in MART_TABLES:
            cur.execute(f"SELECT * FROM mart.{table}")
            out[table] = sorted(map(repr, cur.fetchall()))
        return out


def test_incremental_after_new_events_equals_a_full_rebuild(db, pg_settings, tmp_path):
    from producers.generate import generate_season

    season = generate_season(tmp_path / "season", seed=11, scale=0.2, fuzzy_rate=0.2)
    as_of = season.as_of if isinstance(season.as_of, date) else date.fromisoformat(season.as_of)
    first, rest = _split(season, tmp_path, 0.6)
    land_season(db, first, pg_settings.hmac_key, group="first-part")
    before = reconcile(db, as_of, 30)
    land_season(db, rest, pg_settings.hmac_key, group="second-part")
    incremental = reconcile(db, as_of, 30)
    assert 0 < incremental.new_events < before.new_events + incremental.new_events
    published = _marts(db)
    assert published["followthrough"], "the season produced follow-through rows"

    full = reconcile(db, as_of, 30, full=True)
    assert _marts(db) == published
    assert full.by_status == incremental.by_status and full.by_link_method == incremental.by_link_method
