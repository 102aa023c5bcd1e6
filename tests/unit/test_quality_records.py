"""GX validation results become plain rows for mart.quality_results (expectations/records.py).

One real audit of tiny frames (expectations/marts.py) with one broken row: every expectation
becomes one record, the broken rule says how many rows broke it, and no row value is kept.
"""
from __future__ import annotations

import pandas as pd
from test_expectations_marts import ft_row, valid_followthrough, valid_summary

from expectations.mart_suites import build_followthrough_suite, build_summary_suite
from expectations.marts import audit_marts
from expectations.records import expectation_records


def test_each_expectation_of_an_audit_becomes_one_record_with_its_counts():
    followthrough = valid_followthrough() + [ft_row("R9", "pending", status="forgotten")]
    summary = valid_summary()
    summary[0].update(recommended=6, pending=2, followthrough_rate=1 / 6)  # consistent with six rows
    audit = audit_marts(pd.DataFrame(followthrough), pd.DataFrame(summary), sanction_ids={"S-R1", "S-R2"},
                        recommendation_ids={f"R{i}" for i in (1, 2, 3, 4, 5, 9)}, run_name="test")
    records = expectation_records(audit.results)

    expected = len(build_followthrough_suite().expectations) + len(build_summary_suite().expectations)
    assert len(records) == expected
    assert {r.suite for r in records} == {"mart.followthrough.v1", "mart.followthrough_summary.v1"}
    failed = [r for r in records if not r.success]
    assert [(r.rule, r.target, r.unexpected_count, r.element_count) for r in failed] == [
        ("followthrough.status_known", "status", 1, 6)]
    assert failed[0].description == "Status is one of the five statuses."
    assert abs(failed[0].unexpected_percent - 100 / 6) < 1e-9
    # table-level expectations keep what GX observed; row-level ones keep counts only
    coverage = next(r for r in records if r.rule == "summary.covers_followthrough")
    assert coverage.success and coverage.observed == "6" and coverage.unexpected_count is None
    assert all(r.observed is None for r in records if r.unexpected_count is not None)
    assert not any("R9" in str(v) or "forgotten" in str(v) for r in records for v in r.__dict__.values()), \
        "no row key or value is stored"
