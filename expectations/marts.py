"""The audit of write-audit-publish: the mart suites run as GX Checkpoints before publishing.

The reconcile builds new marts (staging tables), `audit_marts` validates them, and the
publish step swaps them in only when `AuditResult.success` is true (DESIGN.md §6). The
daily `check_warehouse_quality` DAG runs the same audit on the published marts and
keeps the Data Docs site up to date. The suites are in expectations/mart_suites.py, the
frames they check are prepared by expectations/mart_derived.py, and the marts are read
from Postgres by netra/reconcile/mart_frames.py (`expectations/warehouse_audit.py` wires
the three together for the callers).

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
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from expectations.events import gx_exception_message as _raised
from expectations.mart_derived import plain as _plain
from expectations.mart_derived import prepare_followthrough, prepare_summary
from expectations.mart_suites import DERIVED, FOLLOWTHROUGH_SUITE, INDEX_COLUMNS, SUITE_BUILDERS, SUMMARY_SUITE

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from great_expectations.data_context.store.store import DataDocsSiteConfigTypedDict

#: Failing rows named per failure line.
MAX_EXAMPLES = 5
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": MAX_EXAMPLES,
    "unexpected_index_column_names": list(INDEX_COLUMNS),
}
DOCS_SITE = "netra_marts"


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


def _checkpoints(context) -> dict:
    """One Checkpoint per table (see the module docstring), keyed by suite name. No actions: each run stores its
    result in the context's results store, and `audit_marts` builds the Data Docs once for both.
    """
    import great_expectations as gx

    source = context.data_sources.add_pandas("netra_marts")
    checkpoints = {}
    for suite_name in SUITE_BUILDERS:
        table = suite_name.split(".")[1]  # mart.<table>.v1
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("whole_table")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=context.suites.get(suite_name)))
        checkpoints[suite_name] = context.checkpoints.add(gx.Checkpoint(
            name=f"audit {suite_name}", validation_definitions=[definition], result_format=RESULT_FORMAT))
    return checkpoints


@lru_cache(maxsize=1)
def _audit_context():
    """(context, checkpoints) for audits without Data Docs, made once per process."""
    context = _context(None)
    return context, _checkpoints(context)


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


def _str_set(ids: Iterable) -> set[str]:
    """The ids as a set of strings; a set that already is one is used as it is (1M ids: no second set)."""
    if isinstance(ids, (set, frozenset)) and all(isinstance(i, str) for i in ids):
        return ids  # type: ignore[return-value]
    return {str(i) for i in ids}


def audit_marts(followthrough: pd.DataFrame, summary: pd.DataFrame, *, sanction_ids: Iterable[str],
                recommendation_ids: Iterable[str], docs_dir: Path | None = None,
                run_name: str | None = None, followthrough_rows: int | None = None) -> AuditResult:
    """Validate the two mart tables with one GX Checkpoint each (two validation calls).

    `sanction_ids` / `recommendation_ids` are the ids in core the marts may link to.
    With `docs_dir`, the Data Docs site there is built once for both results
    (`AuditResult.docs_index` is its index.html). `run_name` labels the run in
    the results and Data Docs (e.g. "reconcile 2025-06-30"). `followthrough_rows` is the row count of the
    whole followthrough table when `followthrough` holds only some of its rows (an incremental reconcile
    audits the rows it recomputed); by default the frame's.
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    frames = {
        FOLLOWTHROUGH_SUITE: prepare_followthrough(
            followthrough, sanction_ids=_str_set(sanction_ids), recommendation_ids=_str_set(recommendation_ids)),
        SUMMARY_SUITE: prepare_summary(summary),
    }
    if docs_dir is not None:
        prune_history(docs_dir, HISTORY_RUNS - 1)  # room for this run
        context = _context(docs_dir)
        checkpoints = _checkpoints(context)
    else:
        context, checkpoints = _audit_context()
        _forget_results(context)
    run_id = RunIdentifier(run_name=run_name)
    parameters = {"followthrough_rows": len(frames[FOLLOWTHROUGH_SUITE]) if followthrough_rows is None
                  else followthrough_rows}

    failures: list[str] = []
    results = []
    pages: list = []  # the Data Docs pages of this run: each validation result and its suite
    for suite_name, checkpoint in checkpoints.items():
        outcome = checkpoint.run(batch_parameters={"dataframe": frames[suite_name]},
                                 expectation_parameters=parameters, run_id=run_id)
        ((key, result),) = outcome.run_results.items()
        results.append(result)
        pages += [key, ExpectationSuiteIdentifier(name=suite_name)]
        failures.extend(failure_lines(suite_name, result, frames[suite_name]))
    success = all(r.success for r in results) and not failures
    index = None
    if docs_dir is not None:  # one build for both (an UpdateDataDocsAction per Checkpoint built the site twice)
        context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=pages)
        index = Path(docs_dir).resolve() / "index.html"
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
