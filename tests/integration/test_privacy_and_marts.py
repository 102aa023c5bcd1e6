"""Privacy of the analyst interface, the as-of function against the pure rules, funnel and WAP.

These land a generated season straight through the real sink writer (no broker needed)
and reconcile it in the real Postgres.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import psycopg2
import pytest

from netra.reconcile import rules
from netra.reconcile.run import AuditFailed
from support import corrupt_the_audited_marts, land_season, marts_snapshot, reconcile

#: a NIK (16) or NIP (18 digits) as a token of its own; digit runs inside hex ids (BKN GUIDs) are not one
NIP_OR_NIK = re.compile(r"(?<![0-9A-Za-z])[0-9]{16}(?:[0-9]{2})?(?![0-9A-Za-z])")


@pytest.fixture
def season(db, pg_settings, tmp_path):
    """A small season landed in raw.events; returns its ground truth."""
    from producers.generate import generate_season

    s = generate_season(tmp_path / "season", seed=5, scale=0.1)
    land_season(db, s, pg_settings.hmac_key)
    return json.loads(s.ground_truth_path.read_text())


@pytest.fixture
def owner_db(pg_settings):
    """The owner may SET ROLE netra_analyst (the pipeline login, rightly, may not)."""
    from netra.warehouse.db import connect

    conn = connect(pg_settings, owner=True)
    yield conn
    conn.close()


def test_analyst_role_reads_only_mart_and_ref_and_sees_no_nip_or_nik(db, owner_db, season):
    reconcile(db, date.fromisoformat(season["as_of"]), season["sla_days"])
    with owner_db, owner_db.cursor() as cur:
        cur.execute("SET ROLE netra_analyst")
        cur.execute("""
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE has_table_privilege('netra_analyst', quote_ident(table_schema) || '.' || quote_ident(table_name),
                                      'SELECT')
              AND table_schema NOT IN ('pg_catalog', 'information_schema')""")
        readable = cur.fetchall()
        assert readable and {schema for schema, _ in readable} == {"mart", "ref"}
        leaks = []
        for schema, table in readable:
            cur.execute(f'SELECT * FROM "{schema}"."{table}"')
            names = [d.name for d in cur.description]
            for row in cur.fetchall():
                for name, value in zip(names, row):
                    if value is not None and NIP_OR_NIK.search(str(value)):
                        leaks.append((schema, table, name, value))
        cur.execute("SELECT count(*) FROM mart.followthrough_as_of(%s)", (season["as_of"],))
        assert cur.fetchone()[0] > 0, "analysts can call the as-of function"
        cur.execute("RESET ROLE")
    assert not leaks, leaks[:5]


@pytest.mark.parametrize("relation", ["raw.events", "raw.rejected_events", "core.recommendations", "core.subjects"])
def test_analyst_role_cannot_read_raw_or_core(owner_db, relation):
    with owner_db, owner_db.cursor() as cur:
        cur.execute("SET LOCAL ROLE netra_analyst")  # this works ...
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(f"SELECT 1 FROM {relation} LIMIT 1")  # ... this does not


def test_as_of_sql_matches_the_pure_status_rules_on_several_days(db, season):
    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, 30)
    with db, db.cursor() as cur:
        cur.execute("SELECT r.recommendation_id, r.issued_on, s.decree_date, rv.revoked_on, c.closed_on "
                    "FROM core.recommendations r LEFT JOIN core.links l USING (recommendation_id) "
                    "LEFT JOIN core.sanctions s ON s.sanction_id = l.sanction_id "
                    "LEFT JOIN core.sanction_revocations rv ON rv.sanction_id = s.sanction_id "
                    "LEFT JOIN core.recommendation_closures c ON c.recommendation_id = r.recommendation_id")
        facts = cur.fetchall()
        for day in (date(2020, 12, 31), date(2021, 6, 30), date(2022, 5, 31), as_of):
            expected = {}
            for rid, issued, decree, revoked, closed in facts:
                if issued > day:
                    continue
                expected[rid] = rules.status(
                    issued_on=issued, as_of=day, sla_days=30,
                    decree_date=decree if decree and decree <= day else None,
                    revoked_on=revoked if revoked and revoked <= day else None,
                    closed_on=closed if closed and closed <= day else None)
            cur.execute("SELECT recommendation_id, status FROM core.recommendation_status_as_of(%s, 30)", (day,))
            assert dict(cur.fetchall()) == expected, day
            cur.execute("SELECT sum(recommended), sum(sanctioned) FROM mart.followthrough_as_of(%s, 30)", (day,))
            recommended, sanctioned = cur.fetchone()
            assert recommended == len(expected)
            assert sanctioned == sum(1 for v in expected.values() if v == "sanctioned")


def test_summary_equals_the_as_of_function_on_the_run_day_and_funnel_is_monotone(db, season):
    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, season["sla_days"])
    with db, db.cursor() as cur:
        cur.execute("SELECT election_id, province_code, region_code, reported_asn, proven_asn, recommended, "
                    "sanctioned, revoked, pending, overdue, closed, followthrough_rate, median_days_to_sanction "
                    "FROM mart.followthrough_summary ORDER BY 1, 2, 3")
        summary = cur.fetchall()
        cur.execute("SELECT * FROM mart.followthrough_as_of(%s) ORDER BY 1, 2, 3", (as_of,))
        assert cur.fetchall() == summary
        cur.execute("SELECT reported, registered, proven, recommended, sanctioned FROM mart.funnel "
                    "WHERE election_id = 'pilkada-2020'")
        funnel = cur.fetchone()
    assert list(funnel) == sorted(funnel, reverse=True) and funnel[0] > 0
    assert funnel[0] == season["counts"]["reported_asn"] and funnel[2] == season["counts"]["proven_asn"]


def test_small_cells_are_suppressed_in_the_public_summary(db, season):
    reconcile(db, date.fromisoformat(season["as_of"]), season["sla_days"], small_cell_k=5)
    with db, db.cursor() as cur:
        cur.execute("SELECT reported_asn, proven_asn, recommended, sanctioned, revoked, pending, overdue, closed, "
                    "suppressed FROM mart.followthrough_summary_public")
        rows = cur.fetchall()
    counts = [v for r in rows for v in r[:8] if v is not None]
    assert counts and all(v == 0 or v >= 5 for v in counts)
    assert any(r[8] for r in rows), "a season this small has cells to suppress"
    assert all(r[8] == any(v is None for v in r[:8]) for r in rows)
    # a hidden status cell cannot be recovered as recommended minus the others
    assert all(r[2] is None for r in rows if any(v is None for v in r[3:8]))


def test_a_failing_checkpoint_publishes_nothing_and_keeps_the_previous_marts(db, season, monkeypatch):
    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, season["sla_days"])
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*), max(as_of) FROM mart.followthrough")
        before = cur.fetchone()

    corrupt_the_audited_marts(monkeypatch)
    with pytest.raises(AuditFailed, match="status"):
        reconcile(db, as_of + timedelta(days=30), season["sla_days"])
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*), max(as_of) FROM mart.followthrough")
        assert cur.fetchone() == before


def test_rerunning_the_same_day_is_identical_and_incremental(db, season):
    as_of = date.fromisoformat(season["as_of"])
    first = reconcile(db, as_of, season["sla_days"])
    before = marts_snapshot(db)
    second = reconcile(db, as_of, season["sla_days"])
    assert marts_snapshot(db) == before
    assert first.new_events > 0 and second.new_events == 0, "the second run read nothing new"
    full = reconcile(db, as_of, season["sla_days"], full=True)
    assert marts_snapshot(db) == before and full.new_events == first.new_events


def test_as_of_function_reproduces_the_published_pilkada_2020_figures(db, pg_settings, tmp_path):
    """DOMAIN.md §4: 2,034 reported, 1,597 proven, 1,373 / 1,413 / 1,450 sanctioned on three dates."""
    from producers.generate import generate_season

    s = generate_season(tmp_path / "calibrated", seed=2020, scale=1.0, calibrate=True)
    land_season(db, s, pg_settings.hmac_key)
    truth = json.loads(s.ground_truth_path.read_text())
    reconcile(db, date(2024, 2, 6), truth["sla_days"])
    published = {"2022-05-31": 1373, "2023-01-31": 1413, "2024-02-06": 1450}
    with db, db.cursor() as cur:
        for day, sanctioned in published.items():
            cur.execute("SELECT sum(reported_asn), sum(proven_asn), sum(recommended), sum(sanctioned) "
                        "FROM mart.followthrough_as_of(%s)", (day,))
            assert tuple(cur.fetchone()) == (2034, 1597, 1597, sanctioned), day
            expected = truth["followthrough_as_of"][day]
            cur.execute("SELECT sum(revoked), sum(closed), sum(pending), sum(overdue) "
                        "FROM mart.followthrough_as_of(%s)", (day,))
            assert tuple(cur.fetchone()) == (expected["revoked"], expected["closed"], expected["pending"],
                                             expected["overdue"]), day


def test_the_leak_pattern_finds_nips_and_niks_but_not_hex_ids():
    assert NIP_OR_NIK.search("NIP 198609262015051001") and NIP_OR_NIK.search("3372012609860001")
    assert not NIP_OR_NIK.search("8ae482894305762301430a5c07e7709c")


def test_report_text_and_html_come_from_the_marts(db, season, tmp_path):
    import xml.dom.minidom

    from netra import report

    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, season["sla_days"])
    r = report.build(db, as_of)
    (election, reported, proven, recommended, sanctioned, *_rest) = r.totals[0]
    assert (reported, proven) == (season["counts"]["reported_asn"], season["counts"]["proven_asn"])
    assert r.trend[election][-1][2] == sanctioned, "the trend ends at the summary's figure"
    text = report.to_text(r)
    assert f"as of {as_of}" in text and "per province" in text
    page = report.to_html(r)
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) >= 3 and all(xml.dom.minidom.parseString(svg) for svg in svgs)
    public = report.build(db, as_of, public=True, k=5)
    shown = [v for row in public.provinces for v in row[3:6] if v is not None]
    assert all(v == 0 or v >= 5 for v in shown)


def test_report_as_of_an_earlier_day_shows_every_figure_as_of_that_day(db, season):
    """Issue 8: totals, provinces, severity, funnel, review and the out-of-scope count follow --as-of."""
    from netra import report

    reconcile(db, date.fromisoformat(season["as_of"]), season["sla_days"])
    day = "2022-05-31"
    expected = season["followthrough_as_of"][day]
    r = report.build(db, date.fromisoformat(day))
    totals = dict(zip(("election",) + report.TOTAL_NAMES, r.totals[0]))
    assert {k: totals[k] for k in ("reported", "proven", "recommended", "sanctioned", "revoked", "pending",
                                   "overdue", "closed")} == {
        "reported": expected["reported_asn"], "proven": expected["proven_asn"], **{
            k: expected[k] for k in ("recommended", "sanctioned", "revoked", "pending", "overdue", "closed")}}
    assert sum(row[3] for row in r.provinces) == expected["recommended"]
    assert sum(row[4] for row in r.provinces) == expected["sanctioned"]
    assert sum(n for _, n in r.severity) == expected["recommended"]
    assert r.funnel[0][4:] == (expected["recommended"], expected["sanctioned"])
    now = report.build(db, date.fromisoformat(season["as_of"]))
    assert now.totals != r.totals and now.out_of_scope >= r.out_of_scope
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM core.out_of_scope_sanctions WHERE decree_date <= %s", (day,))
        assert r.out_of_scope == cur.fetchone()[0]
    assert now.out_of_scope == season["counts"]["out_of_scope_sanctions"] > 0
    # the public variant applies the small-cell rule to the as-of figures too
    public = report.build(db, date.fromisoformat(day), public=True, k=5)
    assert all(v is None or v == 0 or v >= 5 for row in public.provinces for v in row[3:6])


def test_analysts_see_out_of_scope_counts_but_no_nips(db, owner_db, season):
    reconcile(db, date.fromisoformat(season["as_of"]), season["sla_days"])
    with owner_db, owner_db.cursor() as cur:
        cur.execute("SET ROLE netra_analyst")
        cur.execute("SELECT sum(sanctions) FROM mart.out_of_scope_sanctions")
        counted = cur.fetchone()[0]
        cur.execute("SELECT sum(sanctions) FROM mart.out_of_scope_as_of(%s)", (season["as_of"],))
        assert cur.fetchone()[0] == counted == season["counts"]["out_of_scope_sanctions"]
        cur.execute("SELECT * FROM mart.out_of_scope_sanctions LIMIT 0")
        assert {d.name for d in cur.description} == {"province_code", "region_code", "agency", "reason",
                                                     "sanctions", "as_of"}
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT * FROM core.out_of_scope_sanctions")
    db.rollback()
    with db, db.cursor() as cur:  # the pipeline sees each sanction, with its reason
        cur.execute("SELECT count(*), count(nip), count(reason) FROM core.out_of_scope_sanctions")
        n, with_nip, with_reason = cur.fetchone()
    assert n == with_reason == counted and with_nip > 0
