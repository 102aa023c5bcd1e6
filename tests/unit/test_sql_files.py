"""The warehouse's SQL files (netra/warehouse/sql.py): every statement the code names has a file and every file is
named by the code; each function and view has one current definition; column lists are explicit; and the
files ship in the package.
"""
from __future__ import annotations

import ast
import re
import tomllib

import pytest

from netra.warehouse import sql
from support import REPO

#: Where code that runs statements lives (the layers; tests and benchmarks only call that code).
CODE = ("netra", "consumers", "producers", "expectations", "dags", "bench")
MIGRATIONS = REPO / "netra" / "warehouse" / "migrations"


def statement_calls() -> tuple[dict[str, list[str]], list[str]]:
    """Every `statement(...)` call in the code: literal names -> where, and the calls whose name is not a literal."""
    names: dict[str, list[str]] = {}
    not_literal = []
    for package in CODE:
        for path in sorted((REPO / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called != "statement":
                    continue
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                arg = node.args[0] if len(node.args) == 1 else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.setdefault(arg.value, []).append(where)
                else:
                    not_literal.append(where)
    return names, not_literal


def test_every_statement_the_code_names_has_a_file_and_every_file_is_named():
    names, not_literal = statement_calls()
    assert not not_literal, f"name statements with a literal, so this test can follow them: {not_literal}"
    files = set(sql.statement_names())
    missing = {name: where for name, where in names.items() if name not in files}
    assert not missing, f"statements without a file under netra/warehouse/statements/: {missing}"
    assert sorted(files - names.keys()) == [], "statement files no code runs (delete them or run them)"
    assert {"reconcile/build_core", "reconcile/publish", "sink/conflicts_to_rejects"} <= names.keys()


def test_the_scan_sees_the_reconcile_and_the_sink():
    names, _ = statement_calls()
    where = {w.split(":")[0] for ws in names.values() for w in ws}
    assert {"netra/reconcile/run.py", "consumers/sink.py", "netra/reconcile/alerts.py"} <= where


def test_an_unknown_statement_says_which_and_suggests_the_closest():
    with pytest.raises(sql.UnknownStatement, match=r"'reconcile/build_cor'.*did you mean 'reconcile/build_core'"):
        sql.statement("reconcile/build_cor")
    for bad in ("../migrations/0001_schemas_and_raw", "reconcile", "Reconcile/build_core", "reconcile/build_core.sql"):
        with pytest.raises(sql.UnknownStatement):
            sql.statement(bad)


def test_a_statement_is_read_once():
    assert sql.statement("reconcile/publish") is sql.statement("reconcile/publish")
    assert sql.statement("reconcile/publish") == (sql.STATEMENTS / "reconcile" / "publish.sql").read_text()


@pytest.mark.parametrize("name", sql.statement_names())
def test_statement_comments_hold_no_percent_sign(name):
    """psycopg2 interpolates the whole text, comments included: a % there breaks or changes the statement."""
    comments = re.findall(r"--[^\n]*", sql.statement(name))
    assert not [c for c in comments if "%" in c], name


def _sql_texts() -> dict[str, str]:
    """The SQL the current code runs: statements and definitions (migrations are history, applied as written)."""
    texts = {f"statements/{n}": sql.statement(n) for n in sql.statement_names()}
    texts |= {f"definitions/{d.name}": d.sql for d in sql.definitions()}
    return texts


def _python_strings() -> dict[str, str]:
    out = {}
    for package in CODE:
        for path in sorted((REPO / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and "INSERT" in node.value.upper():
                    out[f"{path.relative_to(REPO)}:{node.lineno}"] = node.value
    return out


#: INSERT INTO <table> not followed by a column list.
_INSERT_WITHOUT_COLUMNS = re.compile(r"\bINSERT\s+INTO\s+[\w.\"]+\s+(?!\()", re.I)
#: A star of a relation (`f.*`) or `SELECT *` feeding an INSERT: values by position.
_STAR = re.compile(r"\b\w+\.\*|SELECT\s+\*", re.I)


def test_every_insert_names_its_columns():
    texts = _sql_texts() | _python_strings()
    found = {where: m.group(0) for where, text in texts.items()
             for m in [_INSERT_WITHOUT_COLUMNS.search(re.sub(r"--[^\n]*", "", text))] if m}
    assert not found, f"INSERT without a column list (values would go by column order): {found}"


def test_no_insert_and_no_definition_takes_columns_by_position():
    found = {}
    for where, text in _sql_texts().items():
        for statement_text in re.sub(r"--[^\n]*", "", text).split(";"):
            star = _STAR.search(statement_text)
            # a CTE may SELECT * of a filtered table that is then read by name; an INSERT or a definition's
            # own result may not
            if star and ("INSERT" in statement_text.upper() or re.search(r"\b\w+\.\*", statement_text)):
                found[where] = star.group(0)
    assert not found, found


def test_the_checks_above_catch_what_they_look_for():
    assert _INSERT_WITHOUT_COLUMNS.search("INSERT INTO mart.t SELECT * FROM mart_stage.t")
    assert not _INSERT_WITHOUT_COLUMNS.search("INSERT INTO mart.t (a, b) SELECT a, b FROM mart_stage.t")
    assert _STAR.search("SELECT f.*, d FROM x f") and _STAR.search("INSERT INTO t (a) SELECT * FROM u")


def test_publish_copies_every_mart_the_reconcile_stages():
    """Both ways a reconcile publishes: every mart in full, or the recomputed followthrough rows and the rest in
    full; each stages every mart it publishes, and copies stage into mart column by column.
    """
    from netra.reconcile.run import MART_TABLES

    for stage_files, publish_files in (
            (("build_stage", "stage_summary", "stage_other_marts", "stage_unlinked"),
             ("publish", "publish_other_marts", "publish_unlinked")),
            (("stage_changes", "stage_summary_changes", "stage_other_marts", "stage_unlinked_changes"),
             ("publish_changes", "publish_other_marts", "publish_unlinked_changes"))):
        publish = "".join(sql.statement(f"reconcile/{name}") for name in publish_files)
        stage = "".join(sql.statement(f"reconcile/{name}") for name in stage_files)
        assert re.findall(r"DELETE FROM mart\.(\w+)(?: \w+\s+WHERE [^;]*)?;", publish) == list(MART_TABLES)
        copies = re.findall(r"INSERT INTO mart\.(\w+) \(.*?\)\s+SELECT .*?\s+FROM mart_stage\.(\w+);", publish, re.S)
        assert copies == [(t, t) for t in MART_TABLES]
        assert sorted(re.findall(r"INSERT INTO mart_stage\.(\w+)", stage)) == sorted(MART_TABLES)
        truncated = re.findall(r"TRUNCATE ([^;]*);", stage)[0].split(",")
        assert sorted(t.strip() for t in truncated) == sorted(f"mart_stage.{t}" for t in MART_TABLES)


def test_each_definition_file_creates_the_object_it_is_named_for_and_comes_after_what_it_names():
    defs = sql.definitions()
    names = [d.name for d in defs]
    assert len(names) == len(set(names)) and {d.kind for d in defs} == {"function", "view"}
    for position, d in enumerate(defs):
        assert re.search(rf"CREATE OR REPLACE {d.kind.upper()} {re.escape(d.name)}\b", d.sql), d.name
        assert all(names.index(r) < position for r in d.requires), (d.name, d.requires)
        if d.kind == "function":
            assert "REVOKE ALL ON FUNCTION" in d.sql and "FROM PUBLIC" in d.sql, f"{d.name}: PUBLIC may execute it"
        assert "GRANT " in d.sql, f"{d.name}: its grants belong in its file"
    order = {n: i for i, n in enumerate(names)}
    assert order["core.recommendation_status_as_of"] < order["mart.followthrough_rows_as_of"] \
        < order["mart.funnel_as_of"]
    assert order["core.out_of_scope_sanctions"] < order["mart.out_of_scope_as_of"] \
        < order["mart.out_of_scope_sanctions"]


def test_every_function_and_view_a_migration_creates_has_its_current_definition_file():
    created = set()
    for path in sorted(MIGRATIONS.glob("*.sql")):
        created |= set(re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|VIEW)\s+(\w+\.\w+)", path.read_text()))
    assert created and created <= {d.name for d in sql.definitions()}, created - {d.name for d in sql.definitions()}


def test_the_dependency_order_is_derived_and_a_cycle_is_refused(tmp_path):
    (tmp_path / "mart.b.sql").write_text("-- reads mart.c only in this comment\n"
                                         "CREATE OR REPLACE VIEW mart.b AS SELECT x FROM mart.a;\n")
    (tmp_path / "mart.a.sql").write_text("CREATE OR REPLACE FUNCTION mart.a() RETURNS int LANGUAGE sql AS $$ "
                                         "SELECT 1 $$;\n")
    (tmp_path / "mart.c.sql").write_text("CREATE OR REPLACE VIEW mart.c AS SELECT 1 AS x;\n")
    assert [(d.name, d.requires) for d in sql.definitions(tmp_path)] == [
        ("mart.a", ()), ("mart.c", ()), ("mart.b", ("mart.a",))]
    (tmp_path / "mart.a.sql").write_text("CREATE OR REPLACE FUNCTION mart.a() RETURNS int LANGUAGE sql AS $$ "
                                         "SELECT count(*) FROM mart.b $$;\n")
    with pytest.raises(ValueError, match="cycle"):
        sql.definitions(tmp_path)


def test_a_definition_file_named_for_another_object_is_refused(tmp_path):
    (tmp_path / "mart.a.sql").write_text("CREATE OR REPLACE VIEW mart.b AS SELECT 1 AS x;\n")
    with pytest.raises(ValueError, match="must create exactly one"):
        sql.definitions(tmp_path)


def test_the_package_ships_every_sql_file():
    """A non-editable install finds the files: pyproject's package data covers every one of them."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    base = REPO / "netra" / "warehouse"
    shipped = {p for pattern in data["netra.warehouse"] for p in base.glob(pattern)}
    assert set(base.rglob("*.sql")) == shipped, sorted(map(str, set(base.rglob("*.sql")) - shipped))
