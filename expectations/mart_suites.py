"""The GX suites of the mart audit: one per mart table, named after its contract (DESIGN.md §5).

- `mart.followthrough.v1`          one row per recommendation, exactly one status, the
                                   link fields consistent with the status, dates in order,
                                   no link to a missing sanction or recommendation
- `mart.followthrough_summary.v1`  one row per (election, province, region), the five
                                   status counts partition `recommended`, rate in [0, 1]

Rules that span columns or tables are checked on derived columns (`DERIVED`, computed by
expectations/mart_derived.py, each True when the rule holds) and expected to be True: one
expectation per rule, so a failure names the rule, and the failing rows are reported by
their key with the source values that broke it. The checkpoints that run these suites are
in expectations/marts.py.

great_expectations is imported lazily: the DAG files import the audit.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from netra.contracts.vocabulary import (
    LEVELS,
    LINK_METHODS,
    LINK_WINDOW_BEFORE_DAYS,
    SEVERITIES,
    STATUS_COUNTS,
    STATUSES,
)
from netra.reconcile.mart_frames import SUMMARY_COUNTS

if TYPE_CHECKING:  # pragma: no cover
    from great_expectations.core.expectation_suite import ExpectationSuite

FOLLOWTHROUGH_SUITE = "mart.followthrough.v1"
SUMMARY_SUITE = "mart.followthrough_summary.v1"

#: The `nip` link window opens 7 days before issued_on (DESIGN.md §6), so no decree
#: may be dated earlier than that, and no median can be below it.
EARLIEST_DECREE_DAYS = -LINK_WINDOW_BEFORE_DAYS

FOLLOWTHROUGH_COLUMNS = (
    "recommendation_id", "report_id", "election_id", "region_code", "province_code", "ppk_agency", "category",
    "asn_key", "recommended_level", "issued_on", "status", "sanction_id", "sanction_code", "sanction_level",
    "decree_date", "days_to_sanction", "severity_vs_recommended", "link_method", "link_score", "as_of",
)
SUMMARY_KEY = ("election_id", "province_code", "region_code")
SUMMARY_COLUMNS = SUMMARY_KEY + SUMMARY_COUNTS + ("followthrough_rate", "median_days_to_sanction", "as_of")

#: Columns added to every audited frame: `row_id` (position) and `row_key` (what a
#: failure line calls the row) identify failing rows in results and Data Docs.
INDEX_COLUMNS = ("row_id", "row_key")
#: Derived columns -> the source columns a failure line shows for a failing row.
DERIVED = {
    "status_matches_link": ("status", "sanction_id"),
    "link_method_matches_link": ("link_method", "sanction_id"),
    "decree_matches_link": ("decree_date", "sanction_id"),
    "decree_minus_issued_days": ("issued_on", "decree_date"),
    "days_to_sanction_matches": ("issued_on", "decree_date", "days_to_sanction"),
    "sanction_exists": ("sanction_id",),
    "recommendation_exists": ("recommendation_id",),
    "status_sum_matches": ("recommended",) + STATUS_COUNTS,
    "rate_matches_counts": ("followthrough_rate", "sanctioned", "recommended"),
}
FOLLOWTHROUGH_DERIVED = (
    "status_matches_link", "link_method_matches_link", "decree_matches_link", "decree_minus_issued_days",
    "days_to_sanction_matches", "sanction_exists", "recommendation_exists",
)
SUMMARY_DERIVED = ("status_sum_matches", "rate_matches_counts")


# ---------------------------------------------------------------- suites


def _rule(code: str, notes: str) -> dict:
    """Keyword arguments of an expectation: its rule code in meta, and notes Data Docs show beside it."""
    return {"meta": {"rule": code}, "notes": notes}


def build_followthrough_suite() -> ExpectationSuite:
    """`mart.followthrough.v1`: the rules of one follow-through row per recommendation."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    true = [True]
    expectations = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=list(FOLLOWTHROUGH_COLUMNS + INDEX_COLUMNS + FOLLOWTHROUGH_DERIVED), exact_match=True,
            **_rule("followthrough.columns", "The columns are exactly the contract's (DESIGN.md §5).")),
        # Exactly one status per recommendation: one row per id, and that row's status set.
        gxe.ExpectColumnValuesToNotBeNull(
            column="recommendation_id", **_rule("followthrough.id_present", "Every row names its recommendation.")),
        gxe.ExpectColumnValuesToBeUnique(
            column="recommendation_id", **_rule("followthrough.one_row_per_recommendation",
                                                "One row, hence one status, per recommendation.")),
        gxe.ExpectColumnValuesToNotBeNull(
            column="status", **_rule("followthrough.status_present", "Every recommendation has a status.")),
        gxe.ExpectColumnValuesToBeInSet(
            column="status", value_set=list(STATUSES), **_rule("followthrough.status_known",
                                                               "Status is one of the five statuses.")),
        gxe.ExpectColumnValuesToNotBeNull(
            column="issued_on", **_rule("followthrough.issued_on_present", "Every recommendation has its date.")),
        gxe.ExpectColumnValuesToBeInSet(
            column="recommended_level", value_set=list(LEVELS),
            **_rule("followthrough.level_known", "The recommended level is a known level.")),
        # Status <-> link, as one derived boolean rather than two expectations with a
        # row_condition (sanction_id not null where status in (sanctioned, revoked), null
        # elsewhere): one expectation states both directions of the equivalence, it names
        # one rule in a failure line, and GX's row_condition is a pandas query string
        # that GX parses per expectation. ExpectColumnPairValuesToBeInSet would need a
        # derived "is linked" column anyway.
        gxe.ExpectColumnValuesToBeInSet(
            column="status_matches_link", value_set=true,
            **_rule("followthrough.status_matches_link",
                    "Status is sanctioned or revoked exactly when the row links a sanction.")),
        gxe.ExpectColumnValuesToBeInSet(
            column="link_method", value_set=list(LINK_METHODS),
            **_rule("followthrough.link_method_known", "link_method is reference, nip or fuzzy (or null).")),
        gxe.ExpectColumnValuesToBeInSet(
            column="link_method_matches_link", value_set=true,
            **_rule("followthrough.link_method_matches_link",
                    "link_method is set exactly when the row links a sanction.")),
        gxe.ExpectColumnValuesToBeBetween(
            column="link_score", min_value=0, max_value=1,
            **_rule("followthrough.link_score_range", "link_score lies in [0, 1].")),
        gxe.ExpectColumnValuesToBeInSet(
            column="decree_matches_link", value_set=true,
            **_rule("followthrough.decree_matches_link",
                    "decree_date is set exactly when the row links a sanction.")),
        # Dates in order: a decree at most 7 days before the recommendation (the nip
        # link window), and days_to_sanction consistent with both dates. Day counts are
        # derived here because GX has no date arithmetic between columns.
        gxe.ExpectColumnValuesToBeBetween(
            column="decree_minus_issued_days", min_value=EARLIEST_DECREE_DAYS,
            **_rule("followthrough.decree_after_window_start",
                    "decree_date is no earlier than issued_on - 7 days.")),
        gxe.ExpectColumnValuesToBeInSet(
            column="days_to_sanction_matches", value_set=true,
            **_rule("followthrough.days_to_sanction",
                    "days_to_sanction = decree_date - issued_on, and null without a decree.")),
        gxe.ExpectColumnValuesToBeInSet(
            column="severity_vs_recommended", value_set=list(SEVERITIES),
            **_rule("followthrough.severity_known", "severity_vs_recommended is in its set (or null).")),
        # No link to a missing row: the sets come from core, so this is the cross-table check.
        gxe.ExpectColumnValuesToBeInSet(
            column="sanction_exists", value_set=true,
            **_rule("followthrough.sanction_exists", "Every linked sanction_id exists in core.sanctions.")),
        gxe.ExpectColumnValuesToBeInSet(
            column="recommendation_exists", value_set=true,
            **_rule("followthrough.recommendation_exists",
                    "Every recommendation_id exists in core.recommendations.")),
        # Each sanction answers at most one recommendation (DESIGN.md §6); nulls are skipped.
        gxe.ExpectColumnValuesToBeUnique(
            column="sanction_id", **_rule("followthrough.sanction_linked_once",
                                          "A sanction is linked to at most one recommendation.")),
        gxe.ExpectColumnValuesToNotBeNull(
            column="as_of", **_rule("followthrough.as_of_present", "Every row carries its as-of date.")),
        gxe.ExpectColumnUniqueValueCountToBeBetween(
            column="as_of", max_value=1, **_rule("followthrough.single_as_of",
                                                 "The whole table is as of one day.")),
    ]
    return gx.ExpectationSuite(name=FOLLOWTHROUGH_SUITE, expectations=expectations,
                               meta={"contract": "mart.followthrough", "version": 1})


def build_summary_suite() -> ExpectationSuite:
    """`mart.followthrough_summary.v1`: counts partition `recommended`, rates in [0, 1].

    The suite parameter `followthrough_rows` (the row count of the audited
    followthrough table) ties the two tables together: every recommendation is counted
    in exactly one summary row.
    """
    import great_expectations as gx
    import great_expectations.expectations as gxe

    expectations = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=list(SUMMARY_COLUMNS + INDEX_COLUMNS + SUMMARY_DERIVED), exact_match=True,
            **_rule("summary.columns", "The columns are exactly the contract's (DESIGN.md §5).")),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, **_rule("summary.key_present", "Key columns are set."))
          for c in SUMMARY_KEY),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(SUMMARY_KEY), **_rule("summary.one_row_per_key",
                                                   "One row per election, province and region.")),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, **_rule("summary.count_present", "Counts are set."))
          for c in SUMMARY_COUNTS),
        *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0,
                                            **_rule("summary.count_non_negative", "Counts are >= 0."))
          for c in SUMMARY_COUNTS),
        gxe.ExpectColumnValuesToBeInSet(
            column="status_sum_matches", value_set=[True],
            **_rule("summary.status_partition",
                    "recommended = sanctioned + revoked + pending + overdue + closed.")),
        gxe.ExpectColumnValuesToBeBetween(
            column="followthrough_rate", min_value=0, max_value=1,
            **_rule("summary.rate_range", "followthrough_rate lies in [0, 1].")),
        gxe.ExpectColumnValuesToBeInSet(
            column="rate_matches_counts", value_set=[True],
            **_rule("summary.rate_matches_counts",
                    "followthrough_rate = sanctioned / recommended, null when nothing was recommended.")),
        gxe.ExpectColumnValuesToBeBetween(
            column="median_days_to_sanction", min_value=EARLIEST_DECREE_DAYS,
            **_rule("summary.median_days_range", "median_days_to_sanction >= -7.")),
        gxe.ExpectColumnSumToBeBetween(
            column="recommended",
            min_value={"$PARAMETER": "followthrough_rows"}, max_value={"$PARAMETER": "followthrough_rows"},
            **_rule("summary.covers_followthrough",
                    "Summed over all rows, recommended equals the rows of mart.followthrough.")),
        gxe.ExpectColumnValuesToNotBeNull(
            column="as_of", **_rule("summary.as_of_present", "Every row carries its as-of date.")),
        gxe.ExpectColumnUniqueValueCountToBeBetween(
            column="as_of", max_value=1, **_rule("summary.single_as_of", "The whole table is as of one day.")),
    ]
    return gx.ExpectationSuite(name=SUMMARY_SUITE, expectations=expectations,
                               meta={"contract": "mart.followthrough_summary", "version": 1})


SUITE_BUILDERS = {FOLLOWTHROUGH_SUITE: build_followthrough_suite, SUMMARY_SUITE: build_summary_suite}
