"""PostgreSQL: embedded through pgserver under NETRA_HOME/pg, or any server named by NETRA_PG_DSN."""
from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

from netra.settings import Settings, SettingsError
from netra.stack import ComponentStatus, Say, StackState, stop_pid

DATABASE = "netra"


def _pgdata(settings: Settings) -> Path:
    return settings.home / "pg" / "data"


def _dsn_file(settings: Settings) -> Path:
    return settings.home / "pg" / "dsn"


def dsn(settings: Settings) -> str:
    """The DSN to use: NETRA_PG_DSN, else the embedded server's (which `netra stack up` must have started)."""
    if settings.pg_dsn:
        return settings.pg_dsn
    try:
        return _dsn_file(settings).read_text().strip()
    except OSError:
        raise SettingsError(
            f"no PostgreSQL: NETRA_PG_DSN is empty and the embedded server under {settings.home / 'pg'} "
            "has not been started. Run `netra stack up` (or set NETRA_PG_DSN)."
        ) from None


def _quiet_pgserver(settings: Settings) -> None:
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # pgserver keeps lock files in the XDG runtime dir; without one it warns on every call
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run = settings.home / "run"
        run.mkdir(parents=True, exist_ok=True)
        run.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run)


def _running(settings: Settings) -> bool:
    _quiet_pgserver(settings)
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pgdata(settings))
    return info is not None and info.is_running()


def up(settings: Settings, say: Say) -> None:
    if settings.pg_dsn:
        say("postgres: using NETRA_PG_DSN (not started by netra)")
        return
    _quiet_pgserver(settings)
    import pgserver
    import psycopg2

    pgdata = _pgdata(settings)
    already = pgdata.exists() and _running(settings)
    if already:
        say(f"postgres: already running (data {pgdata})")
    else:
        say(f"postgres: starting embedded server (data {pgdata}) ...")
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `netra stack down` stops it.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    if not already:
        StackState(settings).update("postgres", {"pgdata": str(pgdata)})
    conn = psycopg2.connect(server.get_uri())
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cur.fetchone() is None:
                cur.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        conn.close()
    uri = server.get_uri(DATABASE)
    _dsn_file(settings).write_text(uri)
    say(f"postgres: up at {uri}")


def down(settings: Settings, say: Say) -> None:
    state = StackState(settings)
    if "postgres" not in state.load():
        return
    pgdata = _pgdata(settings)
    if pgdata.exists() and _running(settings):
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(pgdata)
        # SIGINT = PostgreSQL's "fast" shutdown. Signalling the postmaster (rather than running
        # pg_ctl as the pgserver user) works whatever the permissions on the parent folders.
        stop_pid(info.pid, "postgres", say, signal_number=signal.SIGINT, group=False)
        say("postgres: stopped")
    state.update("postgres", None)


def status(settings: Settings) -> ComponentStatus:
    if settings.pg_dsn:
        return ComponentStatus("postgres", _external_answers(settings.pg_dsn), "NETRA_PG_DSN", False)
    pgdata = _pgdata(settings)
    running = pgdata.exists() and _running(settings)
    where = _dsn_file(settings).read_text().strip() if _dsn_file(settings).exists() else str(pgdata)
    return ComponentStatus("postgres", running, where, "postgres" in StackState(settings).load())


def _external_answers(uri: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(uri, connect_timeout=3).close()
        return True
    except psycopg2.Error:
        return False
