"""Connections and `netra db migrate`: versioned SQL files applied once each, in order, then the current
definition of every function and view (netra/warehouse/definitions/, see netra/warehouse/sql.py), then
reference data.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from netra import reference
from netra.settings import Settings, SettingsError
from netra.warehouse.sql import Definition, definitions

MIGRATIONS = Path(__file__).parent / "migrations"
#: What `netra db migrate` last applied of netra/warehouse/definitions/ (name and digest per file).
DEFINITIONS_LEDGER = "public.netra_definitions"
#: DOMAIN.md §2.3 (SKB 2022 as reported); the V-codes are Netra's.
VIOLATION_CATEGORIES = (
    ("V01", "Banners, billboards or campaign props for a (pre-)candidate", "berat"),
    ("V02", "Social-media or online campaigning for a (pre-)candidate", "berat"),
    ("V03", "Approaching a party as a prospective candidate", "sedang"),
    ("V04", "Attending a declaration or campaign and actively supporting", "berat"),
    ("V05", "Party member or official", "berat"),
    ("V06", "Posting, commenting, sharing, liking, joining or following a campaign group or account", "berat"),
    ("V07", "Photos with a candidate, team or party attributes showing partisanship", "berat"),
    ("V08", "Organising partisan activities (meetings, appeals, gifts)", "berat"),
    ("V09a", "Expert/campaign-team member or consultant before candidates are set", "sedang"),
    ("V09b", "Expert/campaign-team member or consultant after candidates are set", "berat"),
    ("V10", "Support letter or collecting KTP copies for an independent candidate", "berat"),
    ("V11", "Decisions or actions benefiting or harming a candidate", "berat"),
)
REGIONS_EDITION = "Kepmendagri 300.2.2-2138/2025 (+2430/2025), cahyadsn/wilayah b7ad440"


def embedded_dsn_file(settings: Settings) -> Path:
    """Where the local stack's embedded server (netra.stack.postgres) writes its DSN when it starts."""
    return settings.home / "pg" / "dsn"


def dsn(settings: Settings) -> str:
    """The DSN to connect to: NETRA_PG_DSN in production; without it, the local embedded server's.

    Read here rather than through netra.stack, so a deployment never depends on the dev stack code.
    """
    if settings.pg_dsn:
        return settings.pg_dsn
    try:
        return embedded_dsn_file(settings).read_text().strip()
    except OSError:
        raise SettingsError(
            f"no PostgreSQL: NETRA_PG_DSN is empty and the embedded server under {settings.home / 'pg'} "
            "has not been started. Run `netra stack up` (or set NETRA_PG_DSN)."
        ) from None


#: The pipeline's login role (migration 0015) and the embedded server's database.
PIPELINE_ROLE = "netra_pipeline"
DATABASE = "netra"


def pipeline_dsn(settings: Settings) -> str:
    """The netra_pipeline login's DSN, without its password (connect() passes NETRA_PG_PIPELINE_PASSWORD)."""
    if settings.pg_pipeline_dsn:
        return settings.pg_pipeline_dsn
    if settings.pg_dsn:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(settings.pg_dsn)
        host = parts.hostname or ""
        netloc = f"{PIPELINE_ROLE}@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return f"postgresql://{PIPELINE_ROLE}@127.0.0.1:{settings.pg_port}/{DATABASE}"


def connect(settings: Settings, *, owner: bool = False, **options):
    """A connection as the netra_pipeline login (stages, reconcile, DAGs, reports), or as the owner (migrations,
    `netra db create-analyst`) when owner=True. The pipeline cannot create roles or change the schema.
    `options` go to psycopg2.connect (e.g. connect_timeout; default NETRA_PG_CONNECT_TIMEOUT_S).
    """
    import psycopg2

    options.setdefault("connect_timeout", settings.pg_connect_timeout_s)
    if owner:
        return psycopg2.connect(dsn(settings), application_name="netra", **options)
    return psycopg2.connect(pipeline_dsn(settings), password=settings.pg_pipeline_password,
                            application_name="netra", **options)


def set_login_password(conn, role: str, password: str) -> None:
    """Give a role its password as a scram-sha-256 verifier computed here: the plain text never reaches the server
    (nor its logs).
    """
    from psycopg2 import sql
    from psycopg2.extensions import encrypt_password

    verifier = encrypt_password(password, role, conn, "scram-sha-256")
    with conn, conn.cursor() as cur:
        cur.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(verifier)))


def create_analyst(conn, name: str, password: str) -> bool:
    """Create (or re-password) a LOGIN role that is a member of netra_analyst. Returns True if it was created."""
    import re

    from psycopg2 import sql

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) or name.startswith(("netra_", "pg_")) or name == "postgres":
        raise ValueError(f"{name!r} is not a usable analyst login name: lower-case letters, digits and _, "
                         "not starting with netra_ or pg_")
    with conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        created = cur.fetchone() is None
        if created:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE netra_analyst")
                        .format(sql.Identifier(name)))
        else:
            cur.execute("SELECT pg_has_role(%s, 'netra_analyst', 'member')", (name,))
            if not cur.fetchone()[0]:
                raise ValueError(f"a role {name!r} exists and is not an analyst; choose another name")
    set_login_password(conn, name, password)
    return created


def pending_migrations(conn) -> list[str]:
    """Migration versions not applied yet (all of them on an empty database); reads only."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('public.netra_migrations') IS NOT NULL")
        if not cur.fetchone()[0]:
            return [p.stem for p in migration_files()]
        cur.execute("SELECT version FROM public.netra_migrations")
        done = {r[0] for r in cur.fetchall()}
    return [p.stem for p in migration_files() if p.stem not in done]


def migration_files() -> list[Path]:
    """The migration files, in order."""
    return sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def migrate(conn, say: Callable[[str], None] = print, pipeline_password: str | None = None) -> list[str]:
    """Apply pending migrations, then the current function and view definitions, in one transaction; refuse if
    an applied migration file was edited.

    Runs as the owner. The definitions are re-applied every time (apply_definitions); a login that may not
    change the schema (netra_pipeline) only checks that nothing is pending and the applied definitions are the
    current ones. With `pipeline_password`, also (re)sets the netra_pipeline login's password.
    """
    applied_now = []
    with conn:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(8241001)")  # one migrator at a time
            cur.execute("SELECT to_regclass('public.netra_migrations') IS NOT NULL, "
                        "pg_has_role(current_user, 'pg_database_owner', 'MEMBER') OR "
                        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
            exists, is_owner = cur.fetchone()
            if not exists:
                _require_owner(is_owner)
                cur.execute(
                    "CREATE TABLE public.netra_migrations ("
                    " version text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                )
            cur.execute("SELECT version, sha256 FROM public.netra_migrations")
            done = dict(cur.fetchall())
            for path in migration_files():
                sql = path.read_text()
                digest = hashlib.sha256(sql.encode()).hexdigest()
                version = path.stem
                if version in done:
                    if done[version] != digest:
                        raise RuntimeError(
                            f"migration {path.name} was changed after it was applied; add a new migration instead"
                        )
                    continue
                _require_owner(is_owner)
                say(f"  applying {path.name}")
                cur.execute(sql)
                cur.execute("INSERT INTO public.netra_migrations (version, sha256) VALUES (%s, %s)", (version, digest))
                applied_now.append(version)
            current = definitions()
            stale = stale_definitions(cur, current)
            if is_owner:  # every time: a definition changed by hand in the database is put back too
                if stale:
                    say(f"  applying definitions: {', '.join(stale)}")
                apply_definitions(cur, current)
            elif stale:
                _require_owner(is_owner)
            load_reference(cur)
    if pipeline_password:
        set_login_password(conn, "netra_pipeline", pipeline_password)
    return applied_now


def apply_definitions(cur, current: list[Definition]) -> None:
    """Drop every function and view that has a definition file, create them again in dependency order, and
    record what was applied; inside the migration's transaction, so readers see the old or the new objects.

    Dropped rather than only replaced: CREATE OR REPLACE cannot drop, rename or retype a view's columns or a
    function's result. The drop names every object at once and without CASCADE, so objects that depend on
    each other go together, and one that no definition file re-creates (an operator's own view on a mart
    view, say) stops the migration instead of vanishing. Grants and comments are in the files; the views
    also get the schemas' default privileges again (migrations 0004 and 0015).
    """
    from psycopg2 import errors
    from psycopg2.extras import execute_values

    views = [d.name for d in current if d.kind == "view"]
    functions = [d.name for d in current if d.kind == "function"]
    try:
        if views:
            cur.execute("DROP VIEW IF EXISTS " + ", ".join(views))
        if functions:  # by name alone: a definition may change the arguments
            cur.execute("DROP FUNCTION IF EXISTS " + ", ".join(functions))
    except errors.DependentObjectsStillExist as exc:  # the transaction is rolled back by the caller
        detail = (exc.diag.message_detail or "").strip()
        raise RuntimeError(
            "cannot re-create the functions and views of netra/warehouse/definitions/: an object without a "
            f"definition file depends on one of them ({detail}). Drop it in a migration, or give it a file there."
        ) from None
    for definition in current:
        cur.execute(definition.sql)
    cur.execute(f"CREATE TABLE IF NOT EXISTS {DEFINITIONS_LEDGER} ("
                " name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
    cur.execute(f"GRANT SELECT ON {DEFINITIONS_LEDGER} TO netra_pipeline")
    cur.execute(f"DELETE FROM {DEFINITIONS_LEDGER}")
    execute_values(cur, f"INSERT INTO {DEFINITIONS_LEDGER} (name, sha256) VALUES %s",
                   [(d.name, d.sha256) for d in current])


def stale_definitions(cur, current: list[Definition]) -> list[str]:
    """The definitions whose applied version (per the ledger) is not the file's: all of them if none was
    recorded. Reads only.
    """
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (DEFINITIONS_LEDGER,))
    if not cur.fetchone()[0]:
        return [d.name for d in current]
    cur.execute(f"SELECT name, sha256 FROM {DEFINITIONS_LEDGER}")
    applied = dict(cur.fetchall())
    wanted = {d.name: d.sha256 for d in current}
    return sorted(name for name in applied.keys() | wanted.keys() if applied.get(name) != wanted.get(name))


def _require_owner(is_owner: bool) -> None:
    if not is_owner:
        raise RuntimeError("the warehouse schema is not up to date and this login (netra_pipeline) may not change "
                           "it: run `netra db migrate` (it connects as the owner, NETRA_PG_DSN)")


def load_reference(cur) -> None:
    """Upsert the reference files into schema ref (idempotent)."""
    from psycopg2.extras import execute_values

    execute_values(
        cur,
        "INSERT INTO ref.regions (code, name, level, province_code, kind, edition) VALUES %s "
        "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, "
        "province_code = EXCLUDED.province_code, kind = EXCLUDED.kind, edition = EXCLUDED.edition",
        [(r.code, r.name, r.level, r.province_code, r.kind, REGIONS_EDITION) for r in reference.regions().values()],
    )
    # after regions (agencies reference them), before aliases (which reference agencies)
    from netra.reference.agencies import agencies, agency_alias_rows

    execute_values(
        cur,
        "INSERT INTO ref.agencies (bkn_id, bkn_code, name, type, region_code, jenis) VALUES %s "
        "ON CONFLICT (bkn_id) DO UPDATE SET bkn_code = EXCLUDED.bkn_code, name = EXCLUDED.name, "
        "type = EXCLUDED.type, region_code = EXCLUDED.region_code, jenis = EXCLUDED.jenis",
        [(a.bkn_id, a.bkn_code, a.name, a.type, a.region_code, a.jenis) for a in agencies().values()],
    )
    alias_rows = agency_alias_rows()
    cur.execute("DELETE FROM ref.agency_aliases WHERE alias <> ALL(%s)", ([a for a, _, _ in alias_rows],))
    execute_values(
        cur,
        "INSERT INTO ref.agency_aliases (alias, bkn_id, kind) VALUES %s "
        "ON CONFLICT (alias) DO UPDATE SET bkn_id = EXCLUDED.bkn_id, kind = EXCLUDED.kind",
        alias_rows,
    )
    execute_values(
        cur,
        "INSERT INTO ref.sanction_types (code, name, level, legacy) VALUES %s "
        "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, legacy = EXCLUDED.legacy",
        [(s.code, s.name, s.level, s.legacy) for s in reference.sanction_types().values()],
    )
    execute_values(
        cur,
        "INSERT INTO ref.elections (election_id, campaign_start, campaign_end, voting_day) VALUES %s "
        "ON CONFLICT (election_id) DO UPDATE SET campaign_start = EXCLUDED.campaign_start, "
        "campaign_end = EXCLUDED.campaign_end, voting_day = EXCLUDED.voting_day",
        [(e.election_id, e.campaign_start, e.campaign_end, e.voting_day) for e in reference.ELECTIONS.values()],
    )
    execute_values(
        cur,
        "INSERT INTO ref.violation_categories (code, description, discipline_level) VALUES %s "
        "ON CONFLICT (code) DO UPDATE SET description = EXCLUDED.description, "
        "discipline_level = EXCLUDED.discipline_level",
        list(VIOLATION_CATEGORIES),
    )
