"""GX validation results as plain rows for the warehouse (mart.quality_results), one per expectation.

The audit (expectations/marts.py) returns GX `ExpectationSuiteValidationResult`s; the report
needs only what a reader can judge without GX: which rule, pass/fail, how many rows were
unexpected out of how many, and for table-level expectations what GX observed. Row values
and example keys are deliberately not kept (they stay in the Data Docs under NETRA_HOME).
Pure: no GX import, works on anything shaped like a GX result.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from expectations.events import gx_exception_message


@dataclass(frozen=True)
class ExpectationRecord:
    """One expectation of one audit, as stored in mart.quality_results."""

    suite: str
    ordinal: int
    expectation: str
    target: str | None
    rule: str | None
    description: str | None
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed: str | None = None
    error: str | None = None


def _number(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def _observed(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=lambda v: _number(v) if hasattr(v, "item") else str(v), sort_keys=True)


def _target(kwargs: dict) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    if kwargs.get("column_list"):
        return ", ".join(kwargs["column_list"])
    return None


def _notes(notes: Any) -> str | None:
    if isinstance(notes, (list, tuple)):
        return " ".join(str(n) for n in notes) or None
    return str(notes) if notes else None


def expectation_records(results: Iterable) -> list[ExpectationRecord]:
    """One record per expectation of each suite result (AuditResult.results), in result order."""
    records = []
    for suite_result in results:
        for ordinal, outcome in enumerate(suite_result.results):
            config = outcome.expectation_config
            details = outcome.result or {}
            error = gx_exception_message(outcome.exception_info or {})
            per_row = "unexpected_count" in details
            records.append(ExpectationRecord(
                suite=suite_result.suite_name, ordinal=ordinal, expectation=config.type,
                target=_target(config.kwargs), rule=(config.meta or {}).get("rule"),
                description=_notes(getattr(config, "notes", None)),
                success=bool(outcome.success) and error is None,
                element_count=_number(details.get("element_count")),
                unexpected_count=_number(details.get("unexpected_count")),
                unexpected_percent=_number(details.get("unexpected_percent")),
                observed=None if per_row else _observed(details.get("observed_value")),
                error=error,
            ))
    return records
