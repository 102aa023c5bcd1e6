"""One vocabulary: the SQL that repeats a word (CHECK constraints, CASE branches) agrees with
netra/contracts/vocabulary.py, and the Python users import it rather than retyping it.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import get_args

import pytest

from netra.contracts import vocabulary as v
from support import REPO

MIGRATIONS = sorted((REPO / "netra" / "warehouse" / "migrations").glob("*.sql"))
SQL = "\n".join(p.read_text() for p in MIGRATIONS)
#: The current definitions of the functions and views (what `netra db migrate` leaves in the warehouse).
DEFINITIONS = REPO / "netra" / "warehouse" / "definitions"


def _in_lists(column: str) -> list[tuple[str, ...]]:
    """Every `CHECK (<column> IN ('a', 'b', ...))` in the migrations, as tuples."""
    found = re.findall(rf"CHECK \({column} IN \(([^)]*)\)\)", SQL)
    return [tuple(re.findall(r"'([^']*)'", body)) for body in found]


def _latest_function(name: str) -> str:
    """The body of the current definition of a SQL function (its file in netra/warehouse/definitions/)."""
    text = (DEFINITIONS / f"{name}.sql").read_text()
    bodies = re.findall(rf"CREATE OR REPLACE FUNCTION {re.escape(name)}\(.*?\$\$(.*?)\$\$", text, re.S)
    assert len(bodies) == 1, f"{name} is not defined in its definition file"
    return bodies[0]


@pytest.mark.parametrize(("column", "words"), [
    ("status", v.STATUSES), ("link_method", v.LINK_METHODS), ("severity_vs_recommended", v.SEVERITIES)])
def test_check_constraints_list_the_vocabulary(column, words):
    lists = _in_lists(column)
    assert lists, f"no CHECK on {column}"
    assert all(set(found) == set(words) for found in lists), (column, lists)


def test_status_function_case_branches_are_the_statuses():
    body = _latest_function("core.recommendation_status_as_of")
    case = body[body.index("CASE WHEN decree_date IS NOT NULL AND revoked_on"):]
    case = case[:case.index("END")]
    branches = re.findall(r"(?:THEN|ELSE) '([a-z_]+)'", case)
    assert sorted(branches) == sorted(v.STATUSES) and branches[-1] == v.STATUSES[-1]  # pending is the ELSE


def test_status_function_severity_uses_the_level_order_and_the_severities():
    body = _latest_function("core.recommendation_status_as_of")
    arrays = re.findall(r"ARRAY\[([^\]]*)\]", body)
    assert arrays and all(tuple(re.findall(r"'([^']*)'", a)) == v.LEVELS for a in arrays)
    assert set(re.findall(r"(?:THEN|ELSE) '(as_recommended|lighter|heavier)'", body)) == set(v.SEVERITIES)


def test_summary_status_columns_are_the_status_counts():
    body = _latest_function("mart.followthrough_as_of")
    filtered = re.findall(r"FILTER \(WHERE status = '([a-z]+)'\) AS ([a-z]+)", body)
    assert [name for name, alias in filtered if name == alias] == list(v.STATUS_COUNTS)
    assert set(v.STATUS_COUNTS) == set(v.STATUSES)


def test_the_contract_categories_are_the_vocabulary():
    from netra.contracts.events import CATEGORIES, Category

    assert tuple(CATEGORIES) == v.VIOLATION_CATEGORIES == get_args(Category)


def test_settings_defaults_come_from_the_vocabulary():
    from netra.settings import load

    s = load({})
    assert (s.link_window_days, s.neutrality_reason) == (v.DEFAULT_LINK_WINDOW_DAYS, v.DEFAULT_NEUTRALITY_REASON)


def test_level_order_is_the_levels_in_order():
    assert sorted(v.LEVEL_ORDER, key=v.LEVEL_ORDER.get) == list(v.LEVELS)


@pytest.mark.parametrize(("utc", "day"), [
    (datetime(2024, 2, 5, 16, 59, tzinfo=UTC), "2024-02-05"),
    (datetime(2024, 2, 5, 17, 0, tzinfo=UTC), "2024-02-06"),  # midnight in Jakarta
])
def test_today_in_wib(utc, day):
    assert v.today_wib(utc).isoformat() == day


def test_today_in_wib_refuses_a_naive_moment():
    with pytest.raises(ValueError):
        v.today_wib(datetime(2024, 2, 5, 12, 0))


PY_USERS = ["netra/reconcile/rules.py", "netra/report.py", "expectations/mart_suites.py",
            "expectations/mart_derived.py", "netra/commands.py", "producers/generate_shape.py",
            "producers/generate_truth.py", "producers/bkpsdm_rows.py", "netra/dag_dates.py"]


@pytest.mark.parametrize("path", PY_USERS)
def test_python_users_import_the_vocabulary_and_do_not_retype_it(path):
    text = (REPO / path).read_text()
    assert "netra.contracts.vocabulary" in text, path
    for words in (v.STATUSES, v.LINK_METHODS, v.SEVERITIES, v.LEVELS):
        for order in {words, tuple(sorted(words))}:
            assert repr(order) not in text.replace('"', "'"), (path, order)
    assert "Asia/Jakarta" not in text, path


def test_reconcile_without_as_of_reconciles_today_in_wib(monkeypatch):
    """`netra reconcile` with no --as-of uses the WIB calendar day, like the DAG (not the host's local day)."""
    from netra import cli, commands
    from netra.reconcile import run

    assert cli.build_parser().parse_args(["reconcile"]).as_of is None
    seen = []

    def fake_run_reconcile(as_of, say, **_kw):
        seen.append(as_of)
        raise run.AuditFailed("stop here")

    monkeypatch.setattr(run, "run_reconcile", fake_run_reconcile)
    monkeypatch.setattr(commands, "today_wib", lambda: v.today_wib(datetime(2024, 2, 5, 18, 0, tzinfo=UTC)))
    assert cli.main(["reconcile"]) == 1
    assert [d.isoformat() for d in seen] == ["2024-02-06"]
