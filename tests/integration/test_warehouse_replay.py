"""`netra replay` on the real broker and Postgres: landed events re-enriched in place after a reference fix."""
from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from consumers.enricher import Enricher
from netra import replay
from netra.cli import main
from netra.contracts.events import key_for
from netra.kafka_auth import INGRESS_WRITER
from netra.kafka_io import make_producer
from netra.reference import agencies
from support import add_agency_alias, land_messages, reconcile, report_filed

TEMPLATE = report_filed()
NIK, REPORTER_NAME = TEMPLATE["payload"]["reporter"]["nik"], TEMPLATE["payload"]["reporter"]["name"]
#: Not an alias and too far from every alias for a fuzzy match: lands with bkn_id null.
ODD_AGENCY = "Dinas Sosial Pemkot Solo"
SURAKARTA = "A5EB03E23B43F6A0E040640A040252AD"  # Pemerintah Kota Surakarta, region 33.72
AS_OF = date(2024, 2, 6)


def _filed(event_id: str, agency: str) -> dict:
    e = copy.deepcopy(TEMPLATE)
    e["event_id"] = event_id
    e["payload"]["subjects"][0]["agency"] = agency
    return e


def _sanction(event_id: str, sanction_id: str, agency: str, reason: str | None) -> dict:
    return {"event_id": event_id, "event_type": "sanction.imposed", "schema_version": 1,
            "source": "bkpsdm:33.72", "occurred_at": "2021-01-05T10:00:00+07:00",
            "payload": {"sanction_id": sanction_id, "nip": "198609262015051001", "name": "Budi Santoso",
                        "agency": agency, "sanction_code": 2, "decree_date": "2021-01-04",
                        "effective_from": "2021-01-04", "effective_to": None, "recommendation_ref": None,
                        "reason": reason}}


FILED_ID = "0b6f0000-0000-4000-8000-0000000000f1"
ODD_SANCTION_ID = "0b6f0000-0000-4000-8000-0000000000f2"
KNOWN_SANCTION_ID = "0b6f0000-0000-4000-8000-0000000000f3"


def _events() -> list[dict]:
    return [_filed(FILED_ID, ODD_AGENCY),
            # out of scope (not a neutrality offence): mart.out_of_scope_sanctions places it by its agency's region
            _sanction(ODD_SANCTION_ID, "800/7/2021", ODD_AGENCY, "Tidak masuk kerja tanpa keterangan"),
            _sanction(KNOWN_SANCTION_ID, "800/8/2021", "BKPSDM Kota Surakarta", None)]


def _publish(settings, events) -> None:
    """As each upstream would: its own principal, its own topic."""
    by_topic = {"report": "reports.raw", "sanction": "sanctions.raw"}
    for e in events:
        topic = by_topic[e["event_type"].split(".")[0]]
        producer = make_producer(settings, principal=INGRESS_WRITER[topic])
        try:
            producer.send(topic, value=json.dumps(e).encode(), key=key_for(e)).get(30)
        finally:
            producer.close()


def _rows(db) -> dict:
    with db, db.cursor() as cur:
        cur.execute("SELECT event_id::text, enrichment, body_sha256, kafka_topic, kafka_partition, kafka_offset, "
                    "source_topic, source_offset, ingested_at, first_ingested_at, replay_id FROM raw.events")
        cols = [d.name for d in cur.description]
        return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def _agency(row) -> dict:
    e = row["enrichment"]
    return e["subjects"][0]["agency"] if "subjects" in e else e["agency"]


def _out_of_scope_regions(db) -> dict:
    with db, db.cursor() as cur:
        cur.execute("SELECT agency, region_code FROM mart.out_of_scope_sanctions")
        return dict(cur.fetchall())


def _unmatched(db) -> set:
    with db, db.cursor() as cur:
        cur.execute("SELECT agency_name FROM raw.unmatched_agencies")
        return {r[0] for r in cur.fetchall()}


@pytest.fixture
def alias_added(monkeypatch, tmp_path):
    """Call to add the alias ODD_AGENCY -> Kota Surakarta to the enricher's reference data; undone afterwards."""
    yield lambda: add_agency_alias(monkeypatch, tmp_path, ODD_AGENCY, SURAKARTA)
    monkeypatch.undo()
    agencies.clear_caches()


def test_replay_re_enriches_landed_events_in_place_and_reconcile_follows(
        pipeline, db, run_stages, alias_added, monkeypatch, capsys):
    _publish(pipeline, _events())
    run_stages(pipeline)
    before = _rows(db)
    assert sorted(before) == sorted([FILED_ID, ODD_SANCTION_ID, KNOWN_SANCTION_ID])
    assert _agency(before[FILED_ID])["bkn_id"] is None and _agency(before[ODD_SANCTION_ID])["bkn_id"] is None
    assert _agency(before[KNOWN_SANCTION_ID])["bkn_id"] == SURAKARTA
    reconcile(db, AS_OF, 30)
    assert _out_of_scope_regions(db) == {ODD_AGENCY: "unknown"}
    assert ODD_AGENCY in _unmatched(db)

    alias_added()  # the next release's agency_aliases.csv has the name

    assert main(["replay", "--source", "bkpsdm", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2 landed event(s) match --source bkpsdm" in out and "dry run: 1 of 2 event(s) would get" in out
    assert _rows(db) == before, "a dry run writes nothing"

    assert main(["replay", "--all"]) == 0
    out = capsys.readouterr().out
    assert "report.filed" in out and "sanction.imposed" in out
    assert "re-enriched 2 of 3 event(s)" in out and "the next `netra reconcile` reads them" in out
    after = _rows(db)
    assert sorted(after) == sorted(before), "the same event ids, no new row"
    for event_id in after:
        for column in ("body_sha256", "kafka_topic", "kafka_partition", "kafka_offset", "source_topic",
                       "source_offset"):
            assert after[event_id][column] == before[event_id][column], (event_id, column)
    for event_id in (FILED_ID, ODD_SANCTION_ID):
        assert _agency(after[event_id]) == {"name": ODD_AGENCY, "bkn_id": SURAKARTA, "bkn_code": "6476",
                                            "method": "alias", "score": 1.0}
        assert after[event_id]["ingested_at"] > before[event_id]["ingested_at"], "counts as new for reconcile"
        assert after[event_id]["first_ingested_at"] == before[event_id]["ingested_at"]
        assert after[event_id]["replay_id"] is not None
    assert after[FILED_ID]["enrichment"]["reporter_key"] == before[FILED_ID]["enrichment"]["reporter_key"]
    assert after[KNOWN_SANCTION_ID] == before[KNOWN_SANCTION_ID], "an already current event is not rewritten"
    with db, db.cursor() as cur:
        cur.execute("SELECT e::text FROM raw.events e")
        stored = " ".join(r[0] for r in cur.fetchall())
        cur.execute("SELECT matched, reenriched, skipped, by_type, finished_at IS NOT NULL FROM raw.replays")
        logged = cur.fetchall()
    assert NIK not in stored and REPORTER_NAME not in stored, "the replay never needed nor stored identity"
    assert logged == [(3, 2, 0, {"report.filed": {"matched": 1, "reenriched": 1, "skipped": 0},
                                 "sanction.imposed": {"matched": 2, "reenriched": 1, "skipped": 0}}, True)]

    incremental = reconcile(db, AS_OF, 30)
    assert incremental.new_events >= 2, "the re-enriched rows are read again"
    assert _out_of_scope_regions(db) == {ODD_AGENCY: "33.72"}, "the mart follows the new reference data"
    assert ODD_AGENCY not in _unmatched(db)

    assert main(["replay", "--all"]) == 0, "running it again is harmless"
    assert "re-enriched 0 of 3 event(s)" in capsys.readouterr().out
    assert _rows(db) == after

    # an ordinary at-least-once duplicate, enriched with the OLD reference data, is still stored once: ignored
    monkeypatch.undo()
    agencies.clear_caches()
    _publish(pipeline, [_events()[0]])
    counters = run_stages(pipeline)
    assert counters["sink"].forwarded == 1, "the duplicate did reach the sink"
    assert _rows(db) == after, "exactly once: the landed (re-enriched) row stays as it is"
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw.rejected_events")
        assert cur.fetchone()[0] == 0, "an exact re-send is not a conflict"


def test_filters_select_by_type_time_source_and_landing_time(pg_settings, db, capsys):
    events = [_filed(FILED_ID, ODD_AGENCY),
              _sanction(ODD_SANCTION_ID, "800/7/2021", ODD_AGENCY, None),
              _sanction(KNOWN_SANCTION_ID, "800/8/2021", "BKPSDM Kota Surakarta", None)]
    events[2].update(source="bkpsdm:33.11", occurred_at="2021-03-01T23:30:00+07:00")
    topics = {"report.filed": "reports.raw", "sanction.imposed": "sanctions.raw"}
    assert land_messages(db, [(topics[e["event_type"]], json.dumps(e).encode()) for e in events],
                         pg_settings.hmac_key) == 3

    def matched(**filters) -> dict:
        report = replay.replay(db, Enricher(secret=pg_settings.hmac_key), replay.selection(**filters),
                               secret=pg_settings.hmac_key, dry_run=True, say=lambda _m: None)
        return {t: c.matched for t, c in report.by_type.items()}

    assert matched(everything=True) == {"report.filed": 1, "sanction.imposed": 2}
    assert matched(types=["sanction.imposed"]) == {"sanction.imposed": 2}
    assert matched(source="bkpsdm") == {"sanction.imposed": 2}, "a whole source domain"
    assert matched(source="bkpsdm:33.11") == {"sanction.imposed": 1}
    assert matched(since="2021-01-01", until="2021-02-28") == {"sanction.imposed": 1}
    assert matched(since="2021-03-01") == {"sanction.imposed": 1}, "23:30 WIB is still 1 March"
    assert matched(until="2020-12-31") == {"report.filed": 1}
    assert matched(since="2021-01-01", by="ingested_at") == {"report.filed": 1, "sanction.imposed": 2}
    assert matched(until="2021-01-01", by="ingested_at") == {}

    assert main(["replay", "--type", "report.decided"]) == 0, "nothing to do is not an error"
    assert "no landed event matches --type report.decided: nothing to replay" in capsys.readouterr().out
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw.replays")
        assert cur.fetchone()[0] == 0, "dry runs and empty selections are not logged"


def test_one_replay_at_a_time(pg_settings, db):
    from netra.warehouse.db import connect

    other = connect(pg_settings)
    try:
        with other, other.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (replay.ADVISORY_LOCK,))
        with pytest.raises(replay.ReplayError, match="another `netra replay` is running"):
            replay.replay(db, Enricher(secret=pg_settings.hmac_key), replay.selection(everything=True),
                          secret=pg_settings.hmac_key, say=lambda _m: None)
        with other, other.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (replay.ADVISORY_LOCK,))
    finally:
        other.close()
    report = replay.replay(db, Enricher(secret=pg_settings.hmac_key), replay.selection(everything=True),
                           secret=pg_settings.hmac_key, say=lambda _m: None)
    assert report.matched == 0, "free again once the other run is over"
