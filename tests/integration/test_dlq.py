"""DLQ tooling on the real broker and Postgres: replay after a reference-data fix, list/show, stats."""
from __future__ import annotations

import copy
import json
import uuid

import pytest

from netra import dlq, reference
from netra.enrichment import reporter_key
from netra.kafka_io import make_producer
from support import report_filed

TEMPLATE = report_filed()


def _reset_reference_caches():
    from expectations import events

    reference.regions.cache_clear()
    events.build_suites.cache_clear()
    events.build_suite.cache_clear()


@pytest.fixture
def region_missing_from_reference(monkeypatch):
    """As if the reference table were outdated: Kota Surakarta (33.72) is missing."""
    full = reference.regions()
    monkeypatch.setattr(reference, "regions", lambda: {c: r for c, r in full.items() if c != "33.72"})
    from expectations import events

    events.build_suites.cache_clear()
    events.build_suite.cache_clear()
    yield
    monkeypatch.undo()
    _reset_reference_caches()


def _send(settings, events_by_topic):
    producer = make_producer(settings)
    for topic, event in events_by_topic:
        producer.send(topic, value=json.dumps(event).encode(), key=event["payload"]["report_id"].encode())
    producer.flush()
    producer.close()


def test_replay_after_a_reference_fix_lands_the_events_with_their_original_ids(
        pipeline, db, run_stages, region_missing_from_reference, monkeypatch):
    events = []
    for i in range(3):
        e = copy.deepcopy(TEMPLATE)
        e["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"replay/{i}"))
        e["payload"]["report_id"] = f"REPLAY/{i}"
        events.append(e)
    _send(pipeline, [("reports.raw", e) for e in events])
    run_stages(pipeline)
    rejected = dlq.list_rejects(db, reason="region.unknown")
    assert sorted(r["event_id"] for r in rejected) == sorted(e["event_id"] for e in events)
    # the reporter's NIK was issued in Surakarta too, so its region check fails with the same outdated table
    assert all(set(r["reasons"]) == {"region.unknown:payload.region_code", "nik.region_invalid:payload.reporter.nik"}
               for r in rejected)
    shown = dlq.show_reject(db, rejected[0]["reject_id"])
    assert b"3372012609860001" not in bytes(shown["message_value"]), "reporter NIK was scrubbed at landing"

    # the reference data is fixed: replay
    monkeypatch.undo()
    _reset_reference_caches()
    producer = make_producer(pipeline)
    report = dlq.replay(db, producer, reason="region.unknown", secret=pipeline.hmac_key, say=lambda _m: None)
    producer.close()
    assert report.replayed == 3 and report.by_topic == {"reports.raw": 3}
    run_stages(pipeline)

    with db, db.cursor() as cur:
        cur.execute("SELECT event_id::text, enrichment->>'reporter_key' FROM raw.events")
        landed = dict(cur.fetchall())
    assert sorted(landed) == sorted(e["event_id"] for e in events)
    assert set(landed.values()) == {reporter_key(pipeline.hmac_key, TEMPLATE["payload"]["reporter"])}
    assert dlq.list_rejects(db, reason="region.unknown") == [], "replayed rows are not listed again"
    assert len(dlq.list_rejects(db, reason="region.unknown", include_replayed=True)) == 3
    producer = make_producer(pipeline)
    assert dlq.replay(db, producer, reason="region.unknown", secret=pipeline.hmac_key,
                      say=lambda _m: None).replayed == 0
    producer.close()


def test_a_replayed_event_that_is_still_bad_is_refused_again(pipeline, db, run_stages):
    bad = copy.deepcopy(TEMPLATE)
    bad["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "replay/still-bad"))
    bad["payload"]["region_code"] = "99.99"
    _send(pipeline, [("reports.raw", bad)])
    run_stages(pipeline)
    producer = make_producer(pipeline)
    dlq.replay(db, producer, reason="region.unknown", secret=pipeline.hmac_key, say=lambda _m: None)
    producer.close()
    run_stages(pipeline)
    rows = dlq.list_rejects(db, reason="region.unknown", include_replayed=True)
    assert len(rows) == 2 and sum(1 for r in rows if r["replayed_at"] is None) == 1


def test_stats_show_reject_rates_per_source_and_reason(pipeline, db, run_stages, capsys):
    good = copy.deepcopy(TEMPLATE)
    bad = copy.deepcopy(TEMPLATE)
    good["event_id"], bad["event_id"] = str(uuid.uuid4()), str(uuid.uuid4())
    good["payload"]["report_id"], bad["payload"]["report_id"] = "STATS/good", "STATS/bad"
    bad["source"] = "bawaslu:13.72"
    bad["payload"]["filed_on"] = "1999-12-31"
    _send(pipeline, [("reports.raw", good), ("reports.raw", bad)])
    run_stages(pipeline)
    st = dlq.stats(db)
    assert (st["total"], st["open"], st["replayed"]) == (1, 1, 0)
    assert st["top_reasons"] == [("date.out_of_range", 1)]
    assert [(src, n, acc, float(rate)) for src, n, acc, rate in st["top_sources"]] == [("bawaslu:13.72", 1, 0, 1.0)]
    assert dlq.stats(db, source="bawaslu:33.72")["total"] == 0, "the --source filter applies"
    assert dlq.stats(db, reason="schema.required")["total"] == 0, "the --reason filter applies"
    assert dlq.stats(db, reason="date.out_of_range")["total"] == 1

    from netra.cli import main

    assert main(["dlq", "stats"]) == 0
    out = capsys.readouterr().out
    assert "bawaslu:13.72" in out and "date.out_of_range" in out
    assert len(out.splitlines()) <= 6, out
    assert main(["dlq", "stats", "--source", "bawaslu:33.72"]) == 0
    assert "nothing matches" in capsys.readouterr().out
    assert main(["dlq", "list", "--reason", "date.out_of_range"]) == 0
    assert "date.out_of_range:payload.filed_on" in capsys.readouterr().out
