"""The audit of write-audit-publish: GX suites for the mart tables, run as GX Checkpoints before publishing.

The reconcile builds new marts (staging tables), `audit_marts` validates them, and the
publish step swaps them in only when `AuditResult.success` is true (DESIGN.md §6). The
daily `check_warehouse_quality` DAG runs the same audit on the published marts and
keeps the Data Docs site up to date.

One suite per mart table, named after its contract (DESIGN.md §5):

- `mart.followthrough.v1`          one row per recommendation, exactly one status, the
                                   link fields consistent with the status, dates in order,
                                   no link to a missing sanction or recommendation
- `mart.followthrough_summary.v1`  one row per (election, province, region), the five
                                   status counts partition `recommended`, rate in [0, 1]

Rules that span columns or tables are checked on derived columns computed here in
pandas (`DERIVED`, each True when the rule holds) and expected to be True: one
expectation per rule, so a failure names the rule, and the failing rows are reported
by their key with the source values that broke it.

Why two Checkpoints rather than one: a pandas dataframe asset receives its frame as the
one `dataframe` batch parameter, and `Checkpoint.run` passes the same batch parameters
to every validation definition it holds. Each table is therefore its own Checkpoint with
one ValidationDefinition: exactly two GX validation calls per audit.

Without a Data Docs folder the ephemeral context, its suites, data source and Checkpoints
are built once per process (`_audit_context`: most of an audit's fixed cost on small marts)
and its in-memory results store is emptied before each audit. With a Data Docs folder each
audit uses a fresh ephemeral context whose results go to a
filesystem validation-results store in `<docs_dir>/_results`, so the Data Docs index lists
the history of runs (the newest HISTORY_RUNS per suite; older ones are pruned, and GX's
index builder then drops their pages).

great_expectations and pandas are imported lazily: the DAG files import this module.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from expectations.events import gx_exception_message as _raised
from netra.contracts.vocabulary import (
    LEVELS,
    LINK_METHODS,
    LINK_WINDOW_BEFORE_DAYS,
    LINKED_STATUSES,
    SEVERITIES,
    STATUS_COUNTS,
    STATUSES,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from great_expectations.checkpoint import ValidationAction
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.store.store import DataDocsSiteConfigTypedDict

FOLLOWTHROUGH_SUITE = "mart.followthrough.v1"
SUMMARY_SUITE = "mart.followthrough_summary.v1"

#: The `nip` link window opens 7 days before issued_on (DESIGN.md §6), so no decree
#: may be dated earlier than that, and no median can be below it.
EARLIEST_DECREE_DAYS = -LINK_WINDOW_BEFORE_DAYS
#: followthrough_rate is stored rounded to 4 decimals (numeric(5, 4)).
RATE_TOLERANCE = 0.00006

FOLLOWTHROUGH_COLUMNS = (
    "recommendation_id", "report_id", "election_id", "region_code", "province_code", "ppk_agency", "category",
    "asn_key", "recommended_level", "issued_on", "status", "sanction_id", "sanction_code", "sanction_level",
    "decree_date", "days_to_sanction", "severity_vs_recommended", "link_method", "link_score", "as_of",
)
SUMMARY_KEY = ("election_id", "province_code", "region_code")
SUMMARY_COUNTS = ("reported_asn", "proven_asn", "recommended") + STATUS_COUNTS
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

#: Failing rows named per failure line.
MAX_EXAMPLES = 5
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": MAX_EXAMPLES,
    "unexpected_index_column_names": list(INDEX_COLUMNS),
}
DOCS_SITE = "netra_marts"


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


# ---------------------------------------------------------------- derived columns


def _numeric(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Decimal columns (psycopg2's numeric) as floats, so GX compares them with numbers.

    A column that does not convert is left as it is: GX then fails its range rule
    rather than the audit silently reading a bad value as null.
    """
    for name in columns:
        if name in frame.columns and frame[name].dtype == object:
            values = frame[name]
            if values.map(lambda v: isinstance(v, Decimal)).any() and values.map(
                    lambda v: v is None or isinstance(v, (int, float, Decimal))).all():
                frame[name] = values.astype("float64")


def _days(frame: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    return pd.to_datetime(frame[column], errors="coerce")


def _object(series: pd.Series) -> pd.Series:
    """Nullable values as Python objects (None for missing), which GX's map expectations skip."""
    return series.astype(object).where(series.notna(), None)


def prepare_followthrough(frame: pd.DataFrame, *, sanction_ids: set[str],
                          recommendation_ids: set[str]) -> pd.DataFrame:
    """A copy of a followthrough frame with the index and derived columns the suite checks."""
    import pandas as pd

    out = frame.copy().reset_index(drop=True)
    _numeric(out, ("link_score", "days_to_sanction", "sanction_code"))
    src = out.reindex(columns=FOLLOWTHROUGH_COLUMNS)  # derive even when a column is missing
    linked = src["sanction_id"].notna()
    ids = src["recommendation_id"]
    out["row_id"] = range(len(out))
    out["row_key"] = [str(v) if pd.notna(v) else f"#{i}" for i, v in enumerate(ids)]
    out["status_matches_link"] = src["status"].isin(LINKED_STATUSES) == linked
    out["link_method_matches_link"] = src["link_method"].notna() == linked
    out["decree_matches_link"] = src["decree_date"].notna() == linked
    gap = (_days(src, "decree_date") - _days(src, "issued_on")).dt.days  # NaN without a decree
    out["decree_minus_issued_days"] = _object(gap.astype("Int64"))
    days = pd.to_numeric(src["days_to_sanction"], errors="coerce")
    out["days_to_sanction_matches"] = (
        (src["decree_date"].isna() & src["days_to_sanction"].isna())
        | (src["decree_date"].notna() & (days == gap))
    )
    # Null where there is nothing to look up: GX skips nulls, so only real ids are checked.
    out["sanction_exists"] = [None if pd.isna(v) else str(v) in sanction_ids for v in src["sanction_id"]]
    out["recommendation_exists"] = [None if pd.isna(v) else str(v) in recommendation_ids for v in ids]
    for name in ("status_matches_link", "link_method_matches_link", "decree_matches_link",
                 "days_to_sanction_matches"):
        out[name] = out[name].astype(object)
    for name in ("sanction_exists", "recommendation_exists"):
        out[name] = pd.Series(out[name].tolist(), dtype=object)
    return out


def prepare_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a summary frame with the index and derived columns the suite checks."""
    import pandas as pd

    out = frame.copy().reset_index(drop=True)
    _numeric(out, SUMMARY_COUNTS + ("followthrough_rate", "median_days_to_sanction"))
    src = out.reindex(columns=SUMMARY_COLUMNS)
    out["row_id"] = range(len(out))
    out["row_key"] = ["/".join(str(_plain(v)) for v in key)
                      for key in src[list(SUMMARY_KEY)].itertuples(index=False)]
    counts = {c: pd.to_numeric(src[c], errors="coerce") for c in SUMMARY_COUNTS}
    out["status_sum_matches"] = (counts["recommended"] == sum(counts[c] for c in STATUS_COUNTS)).astype(object)
    rate = pd.to_numeric(src["followthrough_rate"], errors="coerce")
    expected = counts["sanctioned"] / counts["recommended"].where(counts["recommended"] > 0)
    out["rate_matches_counts"] = (
        (expected.isna() & rate.isna()) | ((rate - expected).abs() <= RATE_TOLERANCE)
    ).astype(object)
    return out


# ---------------------------------------------------------------- audit


@dataclass
class AuditResult:
    """The outcome of one audit: publish only when `success`; `failures` say why not."""

    success: bool
    failures: list[str]
    results: list = field(default_factory=list)  # ExpectationSuiteValidationResult per suite
    docs_index: Path | None = None

    @property
    def records(self) -> list:
        """One plain expectations.records.ExpectationRecord per expectation (what the warehouse stores)."""
        from expectations.records import expectation_records

        return expectation_records(self.results)


def _site_config(docs_dir: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


#: validation results kept per suite for the Data Docs history
HISTORY_RUNS = 50


def _results_dir(docs_dir: Path) -> Path:
    return Path(docs_dir).resolve() / "_results"


def prune_history(docs_dir: Path, keep: int = HISTORY_RUNS) -> int:
    """Keep the newest `keep` stored results per suite; returns how many were removed."""
    root = _results_dir(docs_dir)
    removed = 0
    if not root.exists():
        return 0
    by_suite: dict[Path, list[Path]] = {}
    for f in root.rglob("*.json"):  # <suite path>/<run name>/<run time>/<batch>.json
        by_suite.setdefault(f.parents[2], []).append(f)
    for files in by_suite.values():
        files.sort(key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in files[keep:]:
            old.unlink()
            removed += 1
    return removed


def _context(docs_dir: Path | None = None):
    """A fresh ephemeral context with the mart suites; with docs_dir, a filesystem Data Docs site and a
    filesystem validation-results store under it (the history of runs).
    """
    # No internet here, and the audit must not phone home: GX analytics off unless set explicitly.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    if docs_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        defaults = InMemoryStoreBackendDefaults()
        defaults.stores[defaults.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(_results_dir(docs_dir))},
        }
        context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(store_backend_defaults=defaults))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    for build in SUITE_BUILDERS.values():
        context.suites.add(build())
    if docs_dir is not None:
        Path(docs_dir).mkdir(parents=True, exist_ok=True)
        # GX's TypedDict lists only some of a site's keys (show_how_to_buttons is missing)
        site = cast("DataDocsSiteConfigTypedDict", _site_config(Path(docs_dir).resolve()))
        context.add_data_docs_site(DOCS_SITE, site)
    return context


def _checkpoints(context, with_docs: bool) -> dict:
    """One Checkpoint per table (see the module docstring), keyed by suite name."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    source = context.data_sources.add_pandas("netra_marts")
    checkpoints = {}
    for suite_name in SUITE_BUILDERS:
        table = suite_name.split(".")[1]  # mart.<table>.v1
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("whole_table")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=context.suites.get(suite_name)))
        actions: list[ValidationAction] = (
            [UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])] if with_docs else [])
        checkpoints[suite_name] = context.checkpoints.add(gx.Checkpoint(
            name=f"audit {suite_name}", validation_definitions=[definition], actions=actions,
            result_format=RESULT_FORMAT))
    return checkpoints


@lru_cache(maxsize=1)
def _audit_context():
    """(context, checkpoints) for audits without Data Docs, made once per process."""
    context = _context(None)
    return context, _checkpoints(context, with_docs=False)


def _forget_results(context) -> None:
    """Empty the context's in-memory validation results store (the last audit's results only are shown)."""
    store = context.validation_results_store
    for key in store.list_keys():
        store.remove_key(key)


def _target(config) -> str:
    kwargs = config.kwargs
    if "column" in kwargs:
        return kwargs["column"]
    return ", ".join(kwargs.get("column_list") or ())


def _example(frame: pd.DataFrame, row_id: int, columns: Iterable[str]) -> str:
    row = frame.iloc[row_id]
    shown = ", ".join(f"{c}={_plain(row[c])!r}" for c in columns if c in frame.columns)
    return f"{row['row_key']} ({shown})"


def _plain(value: Any) -> Any:
    """Values as a reader would write them: None for nulls, ISO dates, no numpy scalars."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, set, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def failure_lines(suite_name: str, result, frame: pd.DataFrame) -> list[str]:
    """Human-readable lines for the failed expectations of one suite's validation result."""
    lines = []
    for outcome in result.results:
        config = outcome.expectation_config
        head = f"{suite_name}: {config.type}({_target(config)})"
        error = _raised(outcome.exception_info or {})
        if error is not None:
            lines.append(f"{head} raised: {error}")
            continue
        if outcome.success:
            continue
        details = outcome.result or {}
        if "unexpected_count" in details:
            column = config.kwargs.get("column")
            shown = DERIVED.get(column, (column,)) if column else tuple(config.kwargs.get("column_list") or ())
            examples = [_example(frame, int(hit["row_id"]), shown)
                        for hit in (details.get("partial_unexpected_index_list") or [])[:MAX_EXAMPLES]]
            lines.append(f"{head} failed for {details['unexpected_count']} rows: [{', '.join(examples)}]")
        elif (details.get("details") or {}).get("mismatched"):  # the column set: just the difference
            mismatch = details["details"]["mismatched"]
            lines.append(f"{head} failed: " + ", ".join(f"{k} {sorted(v)}" for k, v in sorted(mismatch.items())))
        else:  # a table-level expectation: what GX observed against what was expected
            bounds = {k: _plain(config.kwargs[k]) for k in ("min_value", "max_value")
                      if config.kwargs.get(k) is not None}
            lines.append(f"{head} failed: observed {_plain(details.get('observed_value'))!r}, expected {bounds}")
    return lines


def audit_marts(followthrough: pd.DataFrame, summary: pd.DataFrame, *, sanction_ids: Iterable[str],
                recommendation_ids: Iterable[str], docs_dir: Path | None = None,
                run_name: str | None = None) -> AuditResult:
    """Validate the two mart tables with one GX Checkpoint each (two validation calls).

    `sanction_ids` / `recommendation_ids` are the ids in core the marts may link to.
    With `docs_dir`, each Checkpoint's UpdateDataDocsAction writes the Data Docs site
    there (`AuditResult.docs_index` is its index.html). `run_name` labels the run in
    the results and Data Docs (e.g. "reconcile 2025-06-30").
    """
    from great_expectations.core.run_identifier import RunIdentifier

    frames = {
        FOLLOWTHROUGH_SUITE: prepare_followthrough(
            followthrough, sanction_ids={str(s) for s in sanction_ids},
            recommendation_ids={str(r) for r in recommendation_ids}),
        SUMMARY_SUITE: prepare_summary(summary),
    }
    if docs_dir is not None:
        prune_history(docs_dir, HISTORY_RUNS - 1)  # room for this run
        context = _context(docs_dir)
        checkpoints = _checkpoints(context, with_docs=True)
    else:
        context, checkpoints = _audit_context()
        _forget_results(context)
    run_id = RunIdentifier(run_name=run_name)
    parameters = {"followthrough_rows": len(frames[FOLLOWTHROUGH_SUITE])}

    failures: list[str] = []
    results = []
    for suite_name, checkpoint in checkpoints.items():
        outcome = checkpoint.run(batch_parameters={"dataframe": frames[suite_name]},
                                 expectation_parameters=parameters, run_id=run_id)
        (result,) = outcome.run_results.values()
        results.append(result)
        failures.extend(failure_lines(suite_name, result, frames[suite_name]))
    success = all(r.success for r in results) and not failures
    index = Path(docs_dir).resolve() / "index.html" if docs_dir is not None else None
    return AuditResult(success=success, failures=failures, results=results, docs_index=index)


def build_data_docs(results: list, docs_dir: Path) -> Path:
    """Write a static Data Docs site for the given validation results under docs_dir; the index.html path.

    For results obtained without `docs_dir` (e.g. `AuditResult.results`). Offline: a
    fresh ephemeral context holds the suites and these results, and a filesystem site
    renders them, next to the history of runs already stored under docs_dir/_results.
    """
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    docs_dir = Path(docs_dir).resolve()
    context = _context(docs_dir)
    store = context.validation_results_store
    for result in results:
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
            run_id=result.meta["run_id"], batch_identifier=result.batch_id)
        store.set(key, result)
    context.build_data_docs(site_names=[DOCS_SITE])
    index = docs_dir / "index.html"
    if not index.exists():
        raise RuntimeError(f"GX did not write the Data Docs index at {index}")
    return index


# ---------------------------------------------------------------- database


def _identifier(name: str):
    """`schema.table` as a quoted SQL identifier (table names are parameters, never interpolated raw)."""
    from psycopg2 import sql

    return sql.Identifier(*name.split("."))


def _frame(cur, query, columns: Iterable[str] | None = None) -> pd.DataFrame:
    import pandas as pd

    cur.execute(query)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if not rows:
        return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    return pd.DataFrame.from_records(rows, columns=names)


def frames_from_db(conn, followthrough_table: str = "mart.followthrough",
                   summary_table: str = "mart.followthrough_summary", *,
                   sanctions_table: str = "core.sanctions",
                   recommendations_table: str = "core.recommendations"):
    """(followthrough, summary, sanction_ids, recommendation_ids) read with psycopg2, for `audit_marts`.

    Point the table names at staging tables (e.g. `mart_stage.followthrough`) to audit
    new marts before they are published. Reads in the caller's transaction; numeric
    columns come back as floats.
    """
    from psycopg2 import sql

    with conn.cursor() as cur:
        followthrough = _frame(cur, sql.SQL("SELECT * FROM {} ORDER BY recommendation_id").format(
            _identifier(followthrough_table)))
        summary = _frame(cur, sql.SQL("SELECT * FROM {} ORDER BY election_id, province_code, region_code").format(
            _identifier(summary_table)))
        cur.execute(sql.SQL("SELECT sanction_id FROM {}").format(_identifier(sanctions_table)))
        sanction_ids = {r[0] for r in cur.fetchall()}
        cur.execute(sql.SQL("SELECT recommendation_id FROM {}").format(_identifier(recommendations_table)))
        recommendation_ids = {r[0] for r in cur.fetchall()}
    _numeric(followthrough, ("link_score", "days_to_sanction", "sanction_code"))
    _numeric(summary, SUMMARY_COUNTS + ("followthrough_rate", "median_days_to_sanction"))
    return followthrough, summary, sanction_ids, recommendation_ids
