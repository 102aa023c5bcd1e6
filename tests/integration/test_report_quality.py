"""Stored audit results and freshness in the real warehouse, and the HTML report built from them.

A small season is landed through the real stages (no broker needed) and reconciled in the
real Postgres; the audits are the real GX checkpoints of expectations/marts.py.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from expectations.mart_suites import build_followthrough_suite, build_summary_suite
from netra.reconcile.quality import load_freshness, load_quality
from netra.reconcile.run import AuditFailed
from support import check_published_marts, corrupt_the_audited_marts, land_season, reconcile

EXPECTATIONS = len(build_followthrough_suite().expectations) + len(build_summary_suite().expectations)


@pytest.fixture
def season(db, pg_settings, tmp_path):
    """A small season landed in raw.events; returns its ground truth."""
    from producers.generate import generate_season

    s = generate_season(tmp_path / "season", seed=5, scale=0.1)
    land_season(db, s, pg_settings.hmac_key)
    return json.loads(s.ground_truth_path.read_text())


def _runs(db):
    with db, db.cursor() as cur:
        cur.execute("SELECT kind, as_of, success, published, evaluated, failed FROM mart.quality_runs "
                    "ORDER BY checked_at, run_id")
        return cur.fetchall()


def test_each_reconcile_stores_its_audit_and_a_failed_audit_is_kept_after_the_rollback(db, season, monkeypatch):
    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, season["sla_days"])
    assert _runs(db) == [("reconcile", as_of, True, True, EXPECTATIONS, 0)]

    corrupt_the_audited_marts(monkeypatch)
    later = as_of + timedelta(days=30)
    with pytest.raises(AuditFailed):
        reconcile(db, later, season["sla_days"])
    runs = _runs(db)
    assert len(runs) == 2 and runs[1][:4] == ("reconcile", later, False, False) and runs[1][5] >= 1
    with db, db.cursor() as cur:
        quality = load_quality(cur)
        cur.execute("SELECT count(*) FROM mart.followthrough")
        published = cur.fetchone()[0]
    failed = {row.rule: row for row in quality.expectations["reconcile"] if not row.success}
    assert failed["followthrough.status_known"].unexpected_count == 1
    assert failed["followthrough.status_known"].element_count == published
    assert [run.success for run in quality.history] == [False, True], "newest first"


def test_the_daily_check_stores_its_audit_too(db, season, tmp_path):
    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, season["sla_days"])
    check_published_marts(tmp_path / "docs")
    assert _runs(db)[-1] == ("check", as_of, True, None, EXPECTATIONS, 0)
    with db, db.cursor() as cur:
        quality = load_quality(cur)
    assert set(quality.latest) == {"reconcile", "check"}
    assert len(quality.expectations["check"]) == EXPECTATIONS


def test_analysts_read_the_audit_results_and_the_freshness_times(db, season, pg_settings):
    from netra.warehouse.db import connect

    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, season["sla_days"])
    with db, db.cursor() as cur:
        cur.execute("SELECT max(ingested_at) FROM raw.events")
        landed = cur.fetchone()[0]
    owner = connect(pg_settings, owner=True)  # the pipeline login may not take the analyst role; the owner may
    try:
        with owner, owner.cursor() as cur:
            cur.execute("SET ROLE netra_analyst")
            freshness = load_freshness(cur)
            quality = load_quality(cur)
            cur.execute("RESET ROLE")
    finally:
        owner.close()
    assert freshness.latest_event_landed_at == landed
    assert freshness.reconciled_through == landed and freshness.last_reconciled_as_of == as_of
    assert freshness.last_reconciled_at is not None and freshness.last_audit_at is not None
    assert quality.latest["reconcile"].success


def test_netra_report_html_public_shows_data_quality_freshness_and_public_rates(db, season, tmp_path):
    from netra import report
    from netra.cli import main

    as_of = date.fromisoformat(season["as_of"])
    reconcile(db, as_of, season["sla_days"])
    out = tmp_path / "public.html"
    assert main(["report", "--html", str(out), "--public"]) == 0
    page = out.read_text(encoding="utf-8")
    header = page[:page.index("<section>")]
    assert "Posisi data per" in header and "Peristiwa terakhir diterima" in header and "WIB" in header
    assert "Mutu data" in page and "Audit rekonsiliasi" in page and f"{EXPECTATIONS} ekspektasi lulus" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:|url\(\s*["']?https?:""", page)

    public = report.build(db, as_of, public=True, k=5)
    (election, *values), = public.totals
    totals = dict(zip(("reported", "proven", "recommended", "sanctioned", "revoked", "pending", "overdue",
                       "closed", "rate"), values))
    funnel = dict(zip(("reported", "registered", "proven", "recommended", "sanctioned"), public.funnel[0][1:]))
    assert totals["rate"] is not None, "the national rate is public: its parts are"
    assert float(totals["rate"]) == pytest.approx(totals["sanctioned"] / totals["recommended"], abs=1e-4)
    assert totals["recommended"] == funnel["recommended"], "one recommended figure across the page"
    severity = dict(public.severity)
    assert "no sanction" not in severity, "public severity counts sanctioned recommendations only"
    if None not in severity.values():
        assert sum(severity.values()) == totals["sanctioned"]
    shown = [r for r in public.provinces if r[6] is not None]
    hidden = [r for r in public.provinces if r[6] is None]
    assert public.provinces == shown + hidden
    assert [r[6] for r in shown] == sorted(r[6] for r in shown)
    assert [r[1] for r in hidden] == sorted(r[1] for r in hidden), "hidden rates ordered by code only"
    assert any(r[6] is not None for r in public.provinces), "some province rate is public"
