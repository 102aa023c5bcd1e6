"""An incremental reconcile over new events gives exactly the marts of a full rebuild (issue 11).

The season is landed in two parts through the real stages (no broker): the first part,
reconcile; the rest, reconcile again incrementally (only what landed since the watermark is
read). Every published mart must then equal what `reconcile(full=True)` builds from all of
raw.events.
"""
from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

from netra.reconcile.run import MART_TABLES
from support import land_messages, land_season, reconcile


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


def _sanction_days(db) -> list:
    with db, db.cursor() as cur:
        cur.execute("SELECT * FROM core.sanction_days ORDER BY 1, 2, 3, 4")
        return cur.fetchall()


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
    days = _sanction_days(db)
    assert days, "sanctioned rows with their days counted"

    full = reconcile(db, as_of, 30, full=True)
    assert _marts(db) == published
    assert _sanction_days(db) == days, "the counts the next incremental summary starts from, as a rebuild makes them"
    assert full.by_status == incremental.by_status and full.by_link_method == incremental.by_link_method


TOPICS = {"report": "reports.raw", "recommendation": "recommendations.raw", "sanction": "sanctions.raw"}
#: After every event of the season, so each correction is the latest version of its record.
LATER = "2024-01-20T10:00:00+07:00"


def _events(season) -> list[dict]:
    out = []
    for path in season.files.values():
        for line in open(path, "rb"):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and isinstance(event.get("payload"), dict):
                out.append(event)
    return out


def _latest(events: list[dict], event_type: str, key: str, value: str) -> dict:
    found = [e for e in events if e["event_type"] == event_type and e["payload"].get(key) == value]
    return copy.deepcopy(max(found, key=lambda e: e["occurred_at"]))


def _emit(event: dict, **payload) -> dict:
    event = copy.deepcopy(event)
    event["event_id"] = str(uuid.uuid4())
    event["occurred_at"] = LATER
    event["payload"].update(payload)
    return event


def _land(db, pg_settings, events: list[dict], group: str) -> None:
    messages = [(TOPICS[e["event_type"].split(".")[0]], json.dumps(e).encode()) for e in events]
    assert land_messages(db, messages, pg_settings.hmac_key, group=group) == len(events), "every correction lands"


def _one(db, query: str):
    with db, db.cursor() as cur:
        cur.execute(query)
        row = cur.fetchone()
    assert row is not None, query
    return row


def _corrections(db, events: list[dict]) -> list[dict]:
    """A sanction that takes a recommendation's link by an earlier decree, a sanction whose NIP is corrected to
    another ASN's, a revocation, a report moved to another region with a corrected name, a proven decision
    withdrawn, and a closure.
    """
    rid, nip, issued, sid = _one(db, """
        SELECT r.recommendation_id, r.nip, r.issued_on, s.sanction_id FROM core.links l
        JOIN core.recommendations r USING (recommendation_id) JOIN core.sanctions s USING (sanction_id)
        WHERE l.link_method = 'nip' AND s.decree_date > r.issued_on + 30 ORDER BY 1 LIMIT 1""")
    template = _latest(events, "sanction.imposed", "sanction_id", sid)
    decree = issued + timedelta(days=1)
    steal = _emit(template, sanction_id=sid + "-earlier", decree_date=decree.isoformat(),
                  effective_from=(decree + timedelta(days=4)).isoformat(), effective_to=None, recommendation_ref=None)
    moved_sid, = _one(db, f"""
        SELECT l.sanction_id FROM core.links l WHERE l.link_method = 'nip' AND l.recommendation_id <> '{rid}'
        ORDER BY 1 OFFSET 3 LIMIT 1""")
    other_nip, = _one(db, "SELECT r.nip FROM mart.followthrough f JOIN core.recommendations r USING (recommendation_id)"
                          " WHERE f.status = 'overdue' ORDER BY 1 LIMIT 1")
    moved = _emit(_latest(events, "sanction.imposed", "sanction_id", moved_sid), nip=other_nip,
                  recommendation_ref=None)
    revoked_sid, decree_date = _one(db, """
        SELECT s.sanction_id, s.decree_date FROM core.links l JOIN core.sanctions s USING (sanction_id)
        WHERE NOT EXISTS (SELECT 1 FROM core.sanction_revocations v WHERE v.sanction_id = s.sanction_id)
        ORDER BY 1 OFFSET 5 LIMIT 1""")
    revocation = {"event_id": str(uuid.uuid4()), "event_type": "sanction.revoked", "schema_version": 1,
                  "source": "bkn", "occurred_at": LATER,
                  "payload": {"sanction_id": revoked_sid, "revoked_on": (decree_date + timedelta(days=30)).isoformat(),
                              "reason": "Dibatalkan berdasarkan putusan PTUN"}}
    report_id, = _one(db, "SELECT r.report_id FROM core.reports r JOIN core.recommendations USING (report_id)"
                          " ORDER BY 1 OFFSET 2 LIMIT 1")
    filed = _latest(events, "report.filed", "report_id", report_id)
    elsewhere = next(e for e in events if e["event_type"] == "report.filed"
                     and e["payload"]["region_code"] != filed["payload"]["region_code"])
    subjects = copy.deepcopy(filed["payload"]["subjects"])
    subjects[0]["name"] = subjects[0]["name"] + " Putri"
    refiled = _emit(filed, region_code=elsewhere["payload"]["region_code"], subjects=subjects)
    refiled["source"] = elsewhere["source"]
    proven_id, = _one(db, "SELECT report_id FROM core.decisions WHERE decision = 'proven' ORDER BY 1 OFFSET 4 LIMIT 1")
    withdrawn = _emit(_latest(events, "report.decided", "report_id", proven_id), decision="not_proven",
                      proven_nips=[])
    closed_rid, closed_issued = _one(db, "SELECT recommendation_id, issued_on FROM mart.followthrough"
                                         " WHERE status = 'overdue' ORDER BY 1 OFFSET 1 LIMIT 1")
    closure = {"event_id": str(uuid.uuid4()), "event_type": "recommendation.closed", "schema_version": 1,
               "source": "kasn", "occurred_at": LATER,
               "payload": {"recommendation_id": closed_rid, "reason": "rejected",
                           "closed_on": (closed_issued + timedelta(days=40)).isoformat()}}
    return [steal, moved, revocation, refiled, withdrawn, closure]


def _near_misses(db, events: list[dict]) -> list[dict]:
    """For two overdue recommendations, a sanction a NIP typo away (the fuzzy step links it) and one two
    digits away under a spelling variant of the name (the review band).
    """
    out = []
    rows = []
    with db, db.cursor() as cur:
        cur.execute("""SELECT r.recommendation_id, r.nip, r.issued_on, i.name, r.ppk_agency
                       FROM mart.followthrough f JOIN core.recommendations r USING (recommendation_id)
                       JOIN core.recommendation_link_inputs i USING (recommendation_id)
                       WHERE f.status = 'overdue' AND i.name IS NOT NULL ORDER BY 1 LIMIT 2""")
        rows = cur.fetchall()
    template = next(e for e in events if e["event_type"] == "sanction.imposed")
    for k, (_rid, nip, issued, name, agency) in enumerate(rows):
        decree = issued + timedelta(days=60)
        digits = list(nip)
        for i in ((17,) if k == 0 else (16, 17)):
            digits[i] = "0" if digits[i] != "0" else "1"
        out.append(_emit(template, sanction_id=f"800/near-{k}/BKPSDM/2021", nip="".join(digits),
                         name=name if k == 0 else name[:-1] + ("a" if name[-1] != "a" else "e"), agency=agency,
                         decree_date=decree.isoformat(), effective_from=(decree + timedelta(days=4)).isoformat(),
                         effective_to=None, recommendation_ref=None, reason=None))
    return out


def test_corrections_and_near_misses_reconciled_incrementally_equal_a_full_rebuild(db, pg_settings, tmp_path):
    """Every kind of change a later batch can bring, each batch reconciled incrementally and compared with a
    rebuild of everything.
    """
    from producers.generate import generate_season

    season = generate_season(tmp_path / "season", seed=7, scale=0.2, fuzzy_rate=0.2)
    as_of = season.as_of if isinstance(season.as_of, date) else date.fromisoformat(season.as_of)
    land_season(db, season, pg_settings.hmac_key, group="season")
    reconcile(db, as_of, 30)
    events = _events(season)
    for n, make in enumerate((_corrections, _near_misses)):
        batch = make(db, events)
        _land(db, pg_settings, batch, group=f"batch-{n}")
        said: list[str] = []
        incremental = reconcile(db, as_of, 30, say=said.append)
        assert incremental.new_events == len(batch)
        assert any("steps 1-2 re-run for" in line for line in said), said
        assert any("the followthrough rows that changed" in line for line in said), said
        published, days = _marts(db), _sanction_days(db)
        full = reconcile(db, as_of, 30, full=True)
        assert _marts(db) == published, f"batch {n}: incremental marts differ from a full rebuild"
        assert _sanction_days(db) == days, f"batch {n}: core.sanction_days differs from a rebuild's"
        assert full.by_link_method == incremental.by_link_method and full.review == incremental.review
    assert incremental.by_link_method.get("fuzzy", 0) > 0 and incremental.review > 0


def test_an_event_committed_after_a_reconcile_but_landed_before_its_watermark_is_read_by_the_next(
        db, pg_settings, tmp_path):
    """ingested_at is the sink transaction's start: a transaction open during a reconcile can commit rows older
    than that run's watermark. The next run starts reading at the oldest such open writer, so it finds them.
    """
    from netra.warehouse.db import connect
    from producers.generate import generate_season

    season = generate_season(tmp_path / "season", seed=3, scale=0.05)
    as_of = season.as_of if isinstance(season.as_of, date) else date.fromisoformat(season.as_of)
    first, rest = _split(season, tmp_path, 0.5)
    land_season(db, first, pg_settings.hmac_key, group="first")
    late = connect(pg_settings)
    try:
        with late.cursor() as cur:  # a sink transaction that started now and is still open
            cur.execute("""
                INSERT INTO raw.events (event_id, event_type, schema_version, source, occurred_at, payload,
                                        enrichment, body_sha256, kafka_topic, kafka_partition, kafka_offset)
                SELECT gen_random_uuid(), event_type, schema_version, source, occurred_at,
                       jsonb_set(payload, '{sanction_id}', to_jsonb(payload->>'sanction_id' || '-late')),
                       enrichment, body_sha256, kafka_topic, kafka_partition, kafka_offset + 1000000
                FROM raw.events WHERE event_type = 'sanction.imposed' ORDER BY event_id LIMIT 1""")
        land_season(db, rest, pg_settings.hmac_key, group="rest")  # lands after it started, commits first
        reconcile(db, as_of, 30)
        late.commit()
    finally:
        late.close()
    with db, db.cursor() as cur:
        cur.execute("SELECT (SELECT ingested_at FROM raw.events WHERE payload->>'sanction_id' LIKE '%%-late')"
                    " < (SELECT watermark FROM core.reconcile_state)")
        assert cur.fetchone() == (True,), "the late event is older than the watermark"
    reconcile(db, as_of, 30)
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM core.sanctions WHERE sanction_id LIKE '%%-late'")
        assert cur.fetchone() == (1,)
    published = _marts(db)
    reconcile(db, as_of, 30, full=True)
    assert _marts(db) == published


def test_a_run_with_no_writer_open_reads_only_what_landed_after_its_watermark(db, pg_settings, tmp_path):
    """Nothing open when a run reads the watermark: the next run does not read the last ten minutes again."""
    from producers.generate import generate_season

    season = generate_season(tmp_path / "season", seed=4, scale=0.05)
    as_of = season.as_of if isinstance(season.as_of, date) else date.fromisoformat(season.as_of)
    first, rest = _split(season, tmp_path, 0.5)
    land_season(db, first, pg_settings.hmac_key, group="first")
    reconcile(db, as_of, 30)
    with db, db.cursor() as cur:
        cur.execute("SELECT read_from = watermark FROM core.reconcile_state")
        assert cur.fetchone() == (True,)
    land_season(db, rest, pg_settings.hmac_key, group="rest")
    said: list[str] = []
    reconcile(db, as_of, 30, say=said.append)
    since, read = map(int, re.search(r"(\d+) events since the watermark into core \((\d+) read\)", said[0]).groups())
    assert since > 0 and read == since
