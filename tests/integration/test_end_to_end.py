"""generate -> publish -> validator/enricher/sink until idle -> reconcile: statuses equal the ground truth."""
from __future__ import annotations

import json
from datetime import date

from producers.generate import generate_season
from support import marts_snapshot, reconcile


def test_season_round_trip_matches_ground_truth(pipeline, db, tmp_path, run_stages, publish_files):
    season = generate_season(tmp_path / "season", seed=7, scale=0.25, sla_days=pipeline.ppk_sla_days,
                             fuzzy_rate=0.3)
    truth = json.loads(season.ground_truth_path.read_text())
    messages = sum(1 for path in season.files.values() for line in open(path, "rb") if line.strip())

    assert publish_files(pipeline, season.files) == messages
    counters = run_stages(pipeline)

    with db, db.cursor() as cur:
        cur.execute("SELECT event_id::text FROM raw.events")
        landed = sorted(r[0] for r in cur.fetchall())
        cur.execute("SELECT count(*) FROM raw.rejected_events")
        rejected = cur.fetchone()[0]
        cur.execute("SELECT event_id, reasons FROM raw.rejected_events")
        reasons_by_event = {eid: reasons for eid, reasons in cur.fetchall()}

    # raw.events holds exactly the distinct valid events; re-sent duplicates are stored once
    assert landed == sorted(truth["valid_event_ids"])
    # every ingress message ended in exactly one place: a valid copy or a reject
    assert counters["validator"].consumed == messages
    assert counters["validator"].forwarded + counters["validator"].rejected == messages
    assert rejected == counters["validator"].rejected == len(truth["invalid_events"])
    for bad in truth["invalid_events"]:
        assert any(r.startswith(bad["expected_reason_prefix"]) for r in reasons_by_event[bad["event_id"]]), bad

    result = reconcile(db, date.fromisoformat(truth["as_of"]), truth["sla_days"])
    with db, db.cursor() as cur:
        cur.execute("SELECT recommendation_id, status, sanction_id, link_method FROM mart.followthrough")
        got = {rid: (status, sid, method) for rid, status, sid, method in cur.fetchall()}
    expected = {rid: (r["status"], r["sanction_id"], r["link_method"]) for rid, r in truth["recommendations"].items()}
    mismatches = {rid: (got.get(rid), exp) for rid, exp in expected.items() if got.get(rid) != exp}
    assert not mismatches, f"{len(mismatches)} of {len(expected)} differ, e.g. {list(mismatches.items())[:5]}"
    assert set(got) == set(expected)
    assert result.recommendations == len(expected)
    assert {"reference", "nip", "fuzzy"} <= set(result.by_link_method)
    with db, db.cursor() as cur:
        cur.execute("SELECT recommendation_id, sanction_id FROM mart.review_queue ORDER BY 1, 2")
        review = [list(r) for r in cur.fetchall()]
        cur.execute("SELECT sanction_id FROM mart.unlinked_sanctions ORDER BY 1")
        unlinked = [r[0] for r in cur.fetchall()]
    assert review == sorted(truth["review_pairs"]) and review, "the uncertain fuzzy band went to review"
    assert unlinked == sorted(truth["unlinked_sanctions"])
    # revised §6: sanctions for other offences are left out, with their reasons, and counted for analysts
    with db, db.cursor() as cur:
        cur.execute("SELECT sanction_id, reason FROM core.out_of_scope_sanctions ORDER BY 1")
        out_of_scope = cur.fetchall()
        cur.execute("SELECT sum(sanctions), count(DISTINCT reason) FROM mart.out_of_scope_sanctions")
        counted, reasons = cur.fetchone()
    assert [sid for sid, _ in out_of_scope] == truth["out_of_scope_sanctions"] and out_of_scope
    assert all(reason for _, reason in out_of_scope) and reasons > 1
    assert counted == result.out_of_scope == counts_out_of_scope(truth)
    assert truth["counts"]["late_nip_links"] and truth["counts"]["typed_references"]

    # the summary's five status columns partition `recommended`, and match the ground-truth counts
    with db, db.cursor() as cur:
        cur.execute("SELECT sum(recommended), sum(sanctioned), sum(revoked), sum(pending), sum(overdue), "
                    "sum(closed), sum(reported_asn), sum(proven_asn) FROM mart.followthrough_summary")
        rec, san, rev, pen, ovd, clo, reported, proven = cur.fetchone()
    assert rec == san + rev + pen + ovd + clo == len(expected)
    counts = truth["counts"]
    assert (san, rev, pen, ovd, clo) == (counts["sanctioned"], counts["revoked"], counts["pending"],
                                          counts["overdue"], counts["closed"])
    assert (reported, proven) == (counts["reported_asn"], counts["proven_asn"])


def counts_out_of_scope(truth: dict) -> int:
    return truth["counts"]["out_of_scope_sanctions"]


def test_reconcile_twice_gives_identical_marts(pipeline, db, tmp_path, run_stages, publish_files):
    season = generate_season(tmp_path / "season", seed=11, scale=0.05, sla_days=pipeline.ppk_sla_days)
    publish_files(pipeline, season.files)
    run_stages(pipeline)
    as_of = date(2024, 2, 6)
    reconcile(db, as_of, 30)
    first = marts_snapshot(db)
    reconcile(db, as_of, 30)
    assert marts_snapshot(db) == first
    assert first[0], "the season produced recommendations"
