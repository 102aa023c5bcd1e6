"""The mart audit (expectations/marts.py, mart_suites.py, mart_derived.py) on tiny frames: what passes,
what each rule rejects, Data Docs.

A GX audit costs ~0.5 s whatever the frame size, so the row-level rules are checked
in one audit per table on a frame where every broken row breaks exactly one rule
(its own key says which); the test then asserts, rule by rule, the failure line, its
row count and the rows it names, and that no other rule fired. Table-level rules
(one as-of date, the column set, summary coverage) and the missing-sanction link get
an audit each.
"""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta

import pandas as pd
import pytest

from expectations import marts
from expectations.mart_suites import (
    FOLLOWTHROUGH_COLUMNS,
    FOLLOWTHROUGH_SUITE,
    SUMMARY_COLUMNS,
    SUMMARY_SUITE,
    build_followthrough_suite,
    build_summary_suite,
)
from expectations.marts import audit_marts, build_data_docs
from support import REPO

AS_OF = date(2025, 6, 30)
ISSUED = date(2025, 3, 1)
REGION = ("pilkada-2024", "33", "33.72")

# ---------------------------------------------------------------- frames


def ft_row(key: str | None, like: str | None = "pending", **changes) -> dict:
    """A valid mart.followthrough row with status `like`, then `changes` applied.

    sanctioned/revoked rows link sanction `S-<key>`, decreed 20 days after issued_on.
    """
    status = like
    linked = status in ("sanctioned", "revoked")
    row = {
        "recommendation_id": key, "report_id": f"LP-{key}", "election_id": REGION[0], "region_code": REGION[2],
        "province_code": REGION[1], "ppk_agency": "Pemkot Surakarta", "category": "V01", "asn_key": f"asn-{key}",
        "recommended_level": "sedang", "issued_on": ISSUED, "status": status,
        "sanction_id": f"S-{key}" if linked else None, "sanction_code": 23 if linked else None,
        "sanction_level": "sedang" if linked else None, "decree_date": ISSUED + timedelta(days=20) if linked else None,
        "days_to_sanction": 20 if linked else None, "severity_vs_recommended": "as_recommended" if linked else None,
        "link_method": "nip" if linked else None, "link_score": 1.0 if linked else None, "as_of": AS_OF,
    }
    row.update(changes)
    return row


def valid_followthrough() -> list[dict]:
    return [ft_row("R1", "sanctioned"), ft_row("R2", "revoked", link_method="fuzzy", link_score=0.93),
            ft_row("R3", "pending"), ft_row("R4", "overdue"), ft_row("R5", "closed")]


def sm_row(key=REGION, **changes) -> dict:
    """A valid mart.followthrough_summary row with nothing recommended."""
    row = dict(zip(("election_id", "province_code", "region_code"), key))
    row.update(reported_asn=0, proven_asn=0, recommended=0, sanctioned=0, revoked=0, pending=0, overdue=0, closed=0,
               followthrough_rate=None, median_days_to_sanction=None, as_of=AS_OF)
    row.update(changes)
    return row


def valid_summary() -> list[dict]:
    """The summary of `valid_followthrough()`: one of each status."""
    return [sm_row(reported_asn=6, proven_asn=5, recommended=5, sanctioned=1, revoked=1, pending=1, overdue=1,
                   closed=1, followthrough_rate=0.2, median_days_to_sanction=20.0)]


def frame(rows: list[dict], columns) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def ids(rows: list[dict]) -> dict:
    """The core id sets a followthrough frame may link to: exactly its own ids."""
    return {"sanction_ids": {r["sanction_id"] for r in rows if r["sanction_id"]},
            "recommendation_ids": {r["recommendation_id"] for r in rows if r["recommendation_id"]}}


def run(ft_rows: list[dict], sm_rows: list[dict], **kwargs):
    links = ids(ft_rows)
    links.update(kwargs)
    return audit_marts(frame(ft_rows, FOLLOWTHROUGH_COLUMNS), frame(sm_rows, SUMMARY_COLUMNS), **links)


LINE = re.compile(r"^(?P<head>[\w.]+: \w+\([\w, ]*\)) failed for (?P<n>\d+) rows: \[(?P<examples>.*)\]$")


def parse(failures: list[str]) -> dict[str, tuple[int, set[str]]]:
    """{"<suite>: <expectation>(<column>)": (failed rows, row keys named)} from row-level failure lines."""
    parsed = {}
    for line in failures:
        match = LINE.match(line)
        assert match, f"not a row-level failure line: {line}"
        keys = set(re.findall(r"(?:^|, )([^\s(]+) \(", match["examples"]))
        parsed[match["head"]] = (int(match["n"]), keys)
    return parsed


# ---------------------------------------------------------------- passing marts


@pytest.fixture(scope="module")
def clean_audit():
    """The audit of valid marts, counting GX validation calls."""
    from great_expectations.core.validation_definition import ValidationDefinition

    calls = []
    original = ValidationDefinition.run

    def counting(self, *args, **kwargs):
        calls.append(self.suite.name)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ValidationDefinition, "run", counting)
        result = run(valid_followthrough(), valid_summary())
    return result, calls


def test_valid_marts_pass(clean_audit):
    result, _ = clean_audit
    assert result.failures == []
    assert result.success
    assert [r.suite_name for r in result.results] == [FOLLOWTHROUGH_SUITE, SUMMARY_SUITE]
    assert all(r.success for r in result.results)
    assert result.docs_index is None


def test_one_gx_validation_per_suite(clean_audit):
    _, calls = clean_audit
    assert calls == [FOLLOWTHROUGH_SUITE, SUMMARY_SUITE]


def test_empty_marts_pass():
    """A fresh warehouse: no recommendations yet, so nothing to publish is still publishable."""
    result = run([], [])
    assert result.failures == []
    assert result.success


def test_suites_are_named_after_their_contracts():
    assert build_followthrough_suite().name == "mart.followthrough.v1"
    assert build_summary_suite().name == "mart.followthrough_summary.v1"
    for suite in (build_followthrough_suite(), build_summary_suite()):
        assert all(e.meta.get("rule") for e in suite.expectations)  # every rule carries its code


# ---------------------------------------------------------------- followthrough rules

FT = FOLLOWTHROUGH_SUITE
FOLLOWTHROUGH_CASES = {
    # rule (failure line head): rows that break it, and only it
    f"{FT}: expect_column_values_to_not_be_null(recommendation_id)": [
        ft_row(None, report_id="LP-null")],
    f"{FT}: expect_column_values_to_be_unique(recommendation_id)": [
        ft_row("DUP"), ft_row("DUP", report_id="LP-dup-2")],
    f"{FT}: expect_column_values_to_not_be_null(status)": [ft_row("NOSTATUS", None)],
    f"{FT}: expect_column_values_to_be_in_set(status)": [ft_row("BADSTATUS", "cancelled")],
    f"{FT}: expect_column_values_to_not_be_null(issued_on)": [ft_row("NOISSUED", issued_on=None)],
    f"{FT}: expect_column_values_to_be_in_set(recommended_level)": [ft_row("BADLEVEL", recommended_level="fatal")],
    # sanctioned without a sanction, and pending with one: both directions of the equivalence
    f"{FT}: expect_column_values_to_be_in_set(status_matches_link)": [
        ft_row("SANCTIONED-UNLINKED", "pending", status="sanctioned"),
        ft_row("PENDING-LINKED", "sanctioned", status="pending")],
    f"{FT}: expect_column_values_to_be_in_set(link_method)": [ft_row("BADMETHOD", "sanctioned", link_method="manual")],
    f"{FT}: expect_column_values_to_be_in_set(link_method_matches_link)": [
        ft_row("NOMETHOD", "sanctioned", link_method=None),
        ft_row("METHOD-UNLINKED", "pending", link_method="nip")],
    f"{FT}: expect_column_values_to_be_between(link_score)": [ft_row("BADSCORE", "sanctioned", link_score=1.5)],
    f"{FT}: expect_column_values_to_be_in_set(decree_matches_link)": [
        ft_row("NODECREE", "revoked", decree_date=None, days_to_sanction=None)],
    f"{FT}: expect_column_values_to_be_between(decree_minus_issued_days)": [
        ft_row("EARLYDECREE", "sanctioned", decree_date=ISSUED - timedelta(days=8), days_to_sanction=-8)],
    f"{FT}: expect_column_values_to_be_in_set(days_to_sanction_matches)": [
        ft_row("BADDAYS", "sanctioned", days_to_sanction=19),
        ft_row("DAYS-UNLINKED", "pending", days_to_sanction=0)],
    f"{FT}: expect_column_values_to_be_in_set(severity_vs_recommended)": [
        ft_row("BADSEVERITY", "sanctioned", severity_vs_recommended="much_lighter")],
    f"{FT}: expect_column_values_to_be_unique(sanction_id)": [
        ft_row("TWICE-A", "sanctioned", sanction_id="S-TWICE"), ft_row("TWICE-B", "sanctioned", sanction_id="S-TWICE")],
    f"{FT}: expect_column_values_to_be_in_set(recommendation_exists)": [ft_row("NOTINCORE")],
}


@pytest.fixture(scope="module")
def followthrough_failures():
    rows = valid_followthrough() + [r for case in FOLLOWTHROUGH_CASES.values() for r in case]
    links = ids(rows)
    links["recommendation_ids"] -= {"NOTINCORE"}
    summary = [sm_row(recommended=len(rows), pending=len(rows), followthrough_rate=0.0)]
    return run(rows, summary, **links)


def test_broken_followthrough_fails(followthrough_failures):
    assert not followthrough_failures.success
    assert not followthrough_failures.results[0].success


@pytest.mark.parametrize("head", FOLLOWTHROUGH_CASES)
def test_each_followthrough_rule_names_its_rows(followthrough_failures, head):
    failed = parse(followthrough_failures.failures)
    assert head in failed, "\n".join(followthrough_failures.failures)
    rows = FOLLOWTHROUGH_CASES[head]
    keys = {r["recommendation_id"] for r in rows}
    if None in keys:  # a row without an id is named by its position
        keys = {k for k in failed[head][1] if k.startswith("#")}
        assert len(keys) == 1
    assert failed[head] == (len(rows), keys)


def test_only_the_broken_rules_fire(followthrough_failures):
    assert set(parse(followthrough_failures.failures)) == set(FOLLOWTHROUGH_CASES)


def test_failure_line_shows_the_values_that_broke_the_rule(followthrough_failures):
    lines = [f for f in followthrough_failures.failures if "(status_matches_link)" in f]
    assert lines == [
        "mart.followthrough.v1: expect_column_values_to_be_in_set(status_matches_link) failed for 2 rows: "
        "[SANCTIONED-UNLINKED (status='sanctioned', sanction_id=None), "
        "PENDING-LINKED (status='pending', sanction_id='S-PENDING-LINKED')]"]
    early = [f for f in followthrough_failures.failures if "(decree_minus_issued_days)" in f]
    assert early == [
        "mart.followthrough.v1: expect_column_values_to_be_between(decree_minus_issued_days) failed for 1 rows: "
        "[EARLYDECREE (issued_on='2025-03-01', decree_date='2025-02-21')]"]


def test_a_failure_line_names_at_most_five_rows():
    rows = valid_followthrough() + [ft_row(f"X{i}", "bogus") for i in range(7)]
    summary = [sm_row(recommended=len(rows), pending=len(rows), followthrough_rate=0.0)]
    result = run(rows, summary)
    (line,) = result.failures
    assert line.startswith("mart.followthrough.v1: expect_column_values_to_be_in_set(status) failed for 7 rows: [")
    assert parse([line])[line.split(" failed")[0]][1] == {f"X{i}" for i in range(5)}


# ---------------------------------------------------------------- no link to a missing row


def test_link_to_a_missing_sanction_fails():
    rows = valid_followthrough()
    links = ids(rows)
    links["sanction_ids"] -= {"S-R2"}  # the decree R2 links to is not in core.sanctions
    result = run(rows, valid_summary(), **links)
    assert not result.success
    assert result.failures == [
        "mart.followthrough.v1: expect_column_values_to_be_in_set(sanction_exists) failed for 1 rows: "
        "[R2 (sanction_id='S-R2')]"]


# ---------------------------------------------------------------- summary rules

SM = SUMMARY_SUITE


def key(name: str) -> tuple:
    return (REGION[0], REGION[1], f"33.{name}")


def key_str(row: dict) -> str:
    return "/".join(str(row[c]) for c in ("election_id", "province_code", "region_code"))


SUMMARY_CASES = {
    f"{SM}: expect_column_values_to_be_in_set(status_sum_matches)": [
        sm_row(key("SUM"), recommended=2, pending=1, followthrough_rate=0.0)],
    f"{SM}: expect_column_values_to_be_between(reported_asn)": [sm_row(key("NEG"), reported_asn=-1)],
    f"{SM}: expect_column_values_to_not_be_null(proven_asn)": [sm_row(key("NULLCOUNT"), proven_asn=None)],
    f"{SM}: expect_column_values_to_be_in_set(rate_matches_counts)": [
        sm_row(key("RATE"), recommended=1, pending=1, followthrough_rate=0.5),
        sm_row(key("NORATE"), recommended=1, sanctioned=1, followthrough_rate=None)],
    f"{SM}: expect_column_values_to_be_between(median_days_to_sanction)": [
        sm_row(key("MEDIAN"), recommended=1, sanctioned=1, followthrough_rate=1.0, median_days_to_sanction=-7.5)],
    f"{SM}: expect_compound_columns_to_be_unique(election_id, province_code, region_code)": [
        sm_row(key("DUP")), sm_row(key("DUP"), reported_asn=1)],
    f"{SM}: expect_column_values_to_not_be_null(region_code)": [sm_row((REGION[0], REGION[1], None))],
}


@pytest.fixture(scope="module")
def summary_failures():
    rows = [r for case in SUMMARY_CASES.values() for r in case]
    ft = [ft_row(f"R{i}") for i in range(sum(r["recommended"] for r in rows))]  # every recommendation counted once
    return run(ft, rows)


@pytest.mark.parametrize("head", SUMMARY_CASES)
def test_each_summary_rule_names_its_rows(summary_failures, head):
    failed = parse(summary_failures.failures)
    assert head in failed, "\n".join(summary_failures.failures)
    rows = SUMMARY_CASES[head]
    assert failed[head] == (len(rows), {key_str(r) for r in rows})


def test_only_the_broken_summary_rules_fire(summary_failures):
    assert set(parse(summary_failures.failures)) == set(SUMMARY_CASES)
    assert summary_failures.results[0].success  # the followthrough side was clean


def test_rate_outside_zero_one_fails():
    # A rate above 1 cannot match its counts either, so two rules name the row.
    summary = [sm_row(recommended=5, sanctioned=1, pending=1, overdue=1, closed=1, revoked=1, followthrough_rate=1.2)]
    failed = parse(run(valid_followthrough(), summary).failures)
    assert set(failed) == {f"{SM}: expect_column_values_to_be_between(followthrough_rate)",
                           f"{SM}: expect_column_values_to_be_in_set(rate_matches_counts)"}


# ---------------------------------------------------------------- table-level rules


def test_two_as_of_dates_fail():
    rows = valid_followthrough()
    rows[0]["as_of"] = AS_OF - timedelta(days=1)
    result = run(rows, valid_summary())
    assert result.failures == [
        "mart.followthrough.v1: expect_column_unique_value_count_to_be_between(as_of) failed: "
        "observed 2, expected {'max_value': 1}"]


def test_summary_must_count_every_recommendation_once():
    result = run(valid_followthrough() + [ft_row("R6")], valid_summary())
    assert result.failures == [
        "mart.followthrough_summary.v1: expect_column_sum_to_be_between(recommended) failed: "
        "observed 5, expected {'min_value': 6.0, 'max_value': 6.0}"]  # the row count, as GX resolved it


def test_columns_must_match_the_contract():
    ft = frame(valid_followthrough(), FOLLOWTHROUGH_COLUMNS).assign(nip="198609262015051001")  # raw NIP leaked
    summary = frame(valid_summary(), SUMMARY_COLUMNS).drop(columns=["median_days_to_sanction"])
    result = audit_marts(ft, summary, **ids(valid_followthrough()))
    assert not result.success
    assert "mart.followthrough.v1: expect_table_columns_to_match_set() failed: unexpected ['nip']" in result.failures
    assert ("mart.followthrough_summary.v1: expect_table_columns_to_match_set() failed: "
            "missing ['median_days_to_sanction']") in result.failures
    # the expectation on the missing column fails visibly rather than passing
    assert any(f.startswith("mart.followthrough_summary.v1: expect_column_values_to_be_between("
                            "median_days_to_sanction) raised:") for f in result.failures)
    assert len(result.failures) == 3


# ---------------------------------------------------------------- Data Docs


def test_audit_writes_data_docs(tmp_path):
    docs = tmp_path / "data_docs"
    result = audit_marts(frame(valid_followthrough(), FOLLOWTHROUGH_COLUMNS), frame(valid_summary(), SUMMARY_COLUMNS),
                         **ids(valid_followthrough()), docs_dir=docs, run_name="reconcile-2025-06-30")
    assert result.success
    assert result.docs_index == (docs / "index.html").resolve()
    index = result.docs_index.read_text()
    assert FOLLOWTHROUGH_SUITE in index and SUMMARY_SUITE in index
    pages = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.html"))
    # one expectation-suite page and one validation page per suite, for this run
    assert "expectations/mart/followthrough/v1.html" in pages
    assert "expectations/mart/followthrough_summary/v1.html" in pages
    runs = [p for p in pages if p.startswith("validations/")]
    assert len(runs) == 2 and all("/reconcile-2025-06-30/" in p for p in runs)


def test_data_docs_keep_a_history_of_runs(tmp_path, monkeypatch):
    docs = tmp_path / "data_docs"
    for day in ("2025-06-28", "2025-06-29", "2025-06-30"):
        audit_marts(frame(valid_followthrough(), FOLLOWTHROUGH_COLUMNS), frame(valid_summary(), SUMMARY_COLUMNS),
                    **ids(valid_followthrough()), docs_dir=docs, run_name=f"reconcile-{day}")
    runs = {p.relative_to(docs).parts[4] for p in (docs / "validations").rglob("*.html")}
    assert runs == {"reconcile-2025-06-28", "reconcile-2025-06-29", "reconcile-2025-06-30"}
    index = (docs / "index.html").read_text()
    assert all(f"reconcile-2025-06-{d}" in index for d in (28, 29, 30)), "the index lists every kept run"
    monkeypatch.setattr(marts, "HISTORY_RUNS", 2)
    audit_marts(frame(valid_followthrough(), FOLLOWTHROUGH_COLUMNS), frame(valid_summary(), SUMMARY_COLUMNS),
                **ids(valid_followthrough()), docs_dir=docs, run_name="reconcile-2025-07-01")
    stored = list((docs / "_results").rglob("*.json"))
    assert len(stored) == 2 * 2, "two suites, the newest two runs each"
    assert "reconcile-2025-06-28" not in (docs / "index.html").read_text()


def test_build_data_docs_from_results(tmp_path, followthrough_failures):
    index = build_data_docs(followthrough_failures.results, tmp_path / "site")
    assert index == (tmp_path / "site" / "index.html").resolve()
    html = index.read_text()
    assert FOLLOWTHROUGH_SUITE in html and SUMMARY_SUITE in html
    failed_page = next((tmp_path / "site" / "validations" / "mart" / "followthrough" / "v1").rglob("*.html"))
    assert "status_matches_link" in failed_page.read_text()


# ---------------------------------------------------------------- import cost


def test_importing_the_module_does_not_import_gx_or_pandas():
    code = "import sys, expectations.marts; print('great_expectations' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
