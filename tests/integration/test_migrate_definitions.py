"""`netra db migrate` and the current definitions of functions and views (netra/warehouse/definitions/), on a real
PostgreSQL: a database of its own, migrated from nothing, so the shared test warehouse is left alone.

Migrating twice leaves the same catalog; a changed definition file is applied on the next migrate, even one that
CREATE OR REPLACE could not apply (a view losing a column); the pipeline login refuses stale definitions; an
object without a definition file that depends on one stops the migration instead of being dropped with it.
"""
from __future__ import annotations

import re
import shutil
from contextlib import contextmanager

import psycopg2
import pytest

from netra.warehouse import db as warehouse
from netra.warehouse import sql

DATABASE = "netra_definitions_test"
SCHEMAS = ["raw", "core", "mart", "mart_stage", "ref", "public"]


def _connect(settings, dbname: str):
    return psycopg2.connect(warehouse.dsn(settings), dbname=dbname)


@pytest.fixture(scope="module")
def fresh(pg_settings):
    """Settings and a connection factory for a database that only this module's tests migrate."""
    admin = _connect(pg_settings, warehouse.DATABASE)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        cur.execute(f"CREATE DATABASE {DATABASE}")
    try:
        yield lambda: _connect(pg_settings, DATABASE)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.close()


@contextmanager
def opened(connect):
    """One transaction on a new connection, closed afterwards."""
    conn = connect()
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def _migrate(connect, **kwargs) -> list[str]:
    conn = connect()
    try:
        return warehouse.migrate(conn, lambda _m: None, **kwargs)
    finally:
        conn.close()


def catalog(conn) -> dict:
    """Every function and view of Netra's schemas: definition, owner's rights, grants, comment, columns."""
    with conn.cursor() as cur:
        cur.execute("SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid), p.prosecdef, p.proacl::text, "
                    "       obj_description(p.oid, 'pg_proc') "
                    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s) "
                    "ORDER BY 1", (SCHEMAS,))
        functions = {row[0]: row[1:] for row in cur.fetchall()}
        cur.execute("SELECT c.oid::regclass::text, pg_get_viewdef(c.oid), c.relacl::text, "
                    "       obj_description(c.oid, 'pg_class'), "
                    "       (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) "
                    "                         ORDER BY a.attnum)"
                    "        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind = 'v' AND n.nspname = ANY(%s) ORDER BY 1", (SCHEMAS,))
        views = {row[0]: row[1:] for row in cur.fetchall()}
    return {"functions": functions, "views": views}


def _names(cat: dict) -> set[str]:
    return {name.split("(")[0] for name in cat["functions"]} | set(cat["views"])


def test_migrate_twice_leaves_the_same_catalog_and_every_object_has_its_file(fresh):
    applied = _migrate(fresh)
    assert applied == [p.stem for p in warehouse.migration_files()], "a fresh database gets every migration"
    with opened(fresh) as conn:
        first = catalog(conn)
        with conn.cursor() as cur:
            cur.execute(f"SELECT name, sha256 FROM {warehouse.DEFINITIONS_LEDGER}")
            ledger = dict(cur.fetchall())
    assert _names(first) == {d.name for d in sql.definitions()}, "every function and view comes from its file"
    assert ledger == {d.name: d.sha256 for d in sql.definitions()}
    assert _migrate(fresh) == []
    with opened(fresh) as conn:
        assert catalog(conn) == first
    # the current definitions, not the migrations' older ones: e.g. the as-of rows name their columns
    assert "f.*" not in first["functions"]["mart.followthrough_rows_as_of(date,integer)"][0]


def test_the_current_definitions_keep_the_grants_analysts_and_the_pipeline_had(fresh):
    _migrate(fresh)
    with opened(fresh) as conn, conn.cursor() as cur:
        for view in ("mart.funnel", "mart.freshness", "mart.out_of_scope_sanctions"):
            cur.execute("SELECT has_table_privilege('netra_analyst', %s, 'SELECT'), "
                        "has_table_privilege('netra_pipeline', %s, 'SELECT')", (view, view))
            assert cur.fetchone() == (True, True), view
        for view in ("core.out_of_scope_sanctions", "raw.ingest_quality"):
            cur.execute("SELECT has_table_privilege('netra_analyst', %s, 'SELECT')", (view,))
            assert cur.fetchone() == (False,), f"analysts must not read {view}"
        for function in ("mart.followthrough_as_of(date, int)", "mart.funnel_as_of(date, int)",
                         "mart.out_of_scope_as_of(date)"):
            cur.execute("SELECT has_function_privilege('netra_analyst', %s, 'EXECUTE'), "
                        "has_function_privilege('public', %s, 'EXECUTE')", (function, function))
            assert cur.fetchone() == (True, False), function
        status = "core.recommendation_status_as_of(date, int, text[])"
        cur.execute("SELECT has_function_privilege('netra_analyst', %s, 'EXECUTE'), "
                    "has_function_privilege('netra_pipeline', %s, 'EXECUTE')", (status, status))
        assert cur.fetchone() == (False, True)


def _as_pipeline(connect):
    """The migrator as a login that may not change the schema (SET ROLE: this database admits only the owner)."""
    conn = connect()
    with conn, conn.cursor() as cur:
        cur.execute("SET ROLE netra_pipeline")
    return conn


def test_a_changed_definition_is_applied_on_the_next_migrate(fresh, tmp_path, monkeypatch):
    _migrate(fresh)
    with opened(fresh) as conn:
        before = catalog(conn)
    changed = tmp_path / "definitions"
    shutil.copytree(sql.DEFINITIONS, changed)
    freshness = changed / "mart.freshness.sql"
    text = freshness.read_text()
    # drop a column from the middle (CREATE OR REPLACE VIEW cannot) and reword the comment
    text = text.replace("       s.last_as_of AS last_reconciled_as_of,\n", "")
    text = re.sub(r"COMMENT ON VIEW mart.freshness IS\n.*;", "COMMENT ON VIEW mart.freshness IS 'changed';", text,
                  flags=re.S)
    assert "last_reconciled_as_of" not in text
    freshness.write_text(text)
    monkeypatch.setattr(sql, "DEFINITIONS", changed)

    pipeline = _as_pipeline(fresh)
    try:
        with pytest.raises(RuntimeError, match="run `netra db migrate`"):
            warehouse.migrate(pipeline, lambda _m: None)
    finally:
        pipeline.close()

    said = []
    conn = fresh()
    try:
        warehouse.migrate(conn, said.append)
    finally:
        conn.close()
    assert said == ["  applying definitions: mart.freshness"]
    with opened(fresh) as conn:
        after = catalog(conn)
    columns = after["views"]["mart.freshness"][3]
    assert "last_reconciled_as_of date" not in columns and "last_audit_at timestamp with time zone" in columns
    assert after["views"]["mart.freshness"][2] == "changed"
    assert after["views"]["mart.freshness"][1] == before["views"]["mart.freshness"][1], "its grants again"
    assert {k: v for k, v in after["views"].items() if k != "mart.freshness"} == \
        {k: v for k, v in before["views"].items() if k != "mart.freshness"}
    assert after["functions"] == before["functions"]

    pipeline = _as_pipeline(fresh)
    try:
        assert warehouse.migrate(pipeline, lambda _m: None) == [], "up to date: the pipeline's check passes"
    finally:
        pipeline.close()

    monkeypatch.setattr(sql, "DEFINITIONS", sql.HERE / "definitions")
    _migrate(fresh)
    with opened(fresh) as conn:
        assert catalog(conn) == before


def test_a_database_migrated_before_definition_files_is_brought_up_to_date(fresh):
    """As after an upgrade from a release without definition files: no ledger, the migrations' own objects."""
    _migrate(fresh)
    with opened(fresh) as conn:
        expected = catalog(conn)
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE {warehouse.DEFINITIONS_LEDGER}")
            cur.execute(re.search(r"CREATE FUNCTION mart\.followthrough_rows_as_of.*?\$\$;",
                                  (warehouse.MIGRATIONS / "0012_report_as_of.sql").read_text(), re.S)
                        .group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    pipeline = _as_pipeline(fresh)
    try:
        with pytest.raises(RuntimeError, match="run `netra db migrate`"):
            warehouse.migrate(pipeline, lambda _m: None)
    finally:
        pipeline.close()
    _migrate(fresh)
    with opened(fresh) as conn:
        assert catalog(conn) == expected


def test_an_object_without_a_file_that_depends_on_a_definition_stops_the_migration(fresh):
    _migrate(fresh)
    with opened(fresh) as conn:
        before = catalog(conn)
        with conn.cursor() as cur:
            cur.execute("CREATE VIEW public.my_funnel AS SELECT election_id, reported FROM mart.funnel")
    try:
        with pytest.raises(RuntimeError, match="depends on one of them.*my_funnel"):
            _migrate(fresh)
        with opened(fresh) as conn:
            assert {k: v for k, v in catalog(conn)["views"].items() if k != "my_funnel"} == before["views"], (
                "the failed migration changed nothing")
    finally:
        with opened(fresh) as conn, conn.cursor() as cur:
            cur.execute("DROP VIEW public.my_funnel")


def test_the_statements_name_every_column_of_the_marts_they_write(fresh):
    """build_stage and publish list each mart's columns: a column a migration adds must be added there too."""
    _migrate(fresh)
    with opened(fresh) as conn, conn.cursor() as cur:
        for name in sql.statement_names():
            for table, listed in re.findall(r"INSERT INTO ([\w.]+) \(([^)]*)\)", sql.statement(name)):
                cur.execute("SELECT attname, attgenerated <> '' OR atthasdef FROM pg_attribute "
                            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped", (table,))
                columns = dict(cur.fetchall())
                if not columns:
                    continue  # a temp table of the statement itself
                names = [c.strip() for c in listed.split(",")]
                assert set(names) <= columns.keys(), (name, table, set(names) - columns.keys())
                if table.startswith(("mart.", "mart_stage.")):
                    without_default = {c for c, has_default in columns.items() if not has_default}
                    assert without_default <= set(names), (name, table, without_default - set(names))
