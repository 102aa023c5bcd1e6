"""PostgreSQL: embedded (pgserver binaries) under NETRA_HOME/pg, or any server named by NETRA_PG_DSN.

The embedded server: the owner over a 0700 unix socket (peer auth), netra_pipeline and analyst logins over
localhost TCP (NETRA_PG_PORT) with scram-sha-256; pg_hba.conf and pg_ident.conf are rewritten at every start.
"""
from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from types import SimpleNamespace

from netra.settings import Settings
from netra.stack import ComponentStatus, PortTaken, Say, StackState, pid_alive, port_open, stop_pid
from netra.warehouse.db import DATABASE, PIPELINE_ROLE, embedded_dsn_file, pipeline_dsn  # noqa: F401  (pipeline_dsn: re-exported)


def _pgdata(settings: Settings) -> Path:
    return settings.home / "pg" / "data"


def _quiet_pgserver(settings: Settings) -> None:
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # pgserver keeps lock files in the XDG runtime dir; without one it warns on every call
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run = settings.home / "run"
        run.mkdir(parents=True, exist_ok=True)
        run.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run)


def _postmaster(settings: Settings):
    _quiet_pgserver(settings)
    from pgserver.utils import PostmasterInfo

    try:
        return PostmasterInfo.read_from_pgdata(_pgdata(settings))
    except (AssertionError, ValueError, IndexError):  # half-written by a postmaster that died starting
        return None


def _is_postmaster(pid: int | None) -> bool:
    """A live (not zombie) postgres process: a crashed postmaster's pid may be a zombie or reused by another."""
    if not pid_alive(pid):
        return False
    try:
        return b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def _running(settings: Settings) -> bool:
    info = _postmaster(settings)
    return info is not None and _is_postmaster(info.pid) and info.status == "ready"


def _clear_crash(settings: Settings, info, say: Say) -> None:
    """After a kill -9 of the postmaster: end its orphaned backends (they still hold the shared-memory interlock,
    so a new postmaster refuses to start) and remove the stale postmaster.pid. Only processes attached to *this*
    cluster's SysV segment (key from postmaster.pid) are touched.
    """
    say(f"postgres: the postmaster (pid {info.pid}) is gone but left {_pgdata(settings) / 'postmaster.pid'}; "
        "cleaning up after the crash")
    key = info.shmem_info.split()[0] if info.shmem_info else ""
    marker = f"SYSV{int(key):08x}".encode() if key.isdigit() else None
    deadline = time.monotonic() + 15
    while marker and time.monotonic() < deadline:
        orphans = []
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    if marker in (proc / "maps").read_bytes():
                        orphans.append(int(proc.name))
                except OSError:
                    continue
        orphans = [pid for pid in orphans if pid_alive(pid)]
        if not orphans:
            break
        for pid in orphans:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
    # postgres checks these lock files with kill(pid, 0), which a zombie postmaster still answers: remove
    # those that name the dead postmaster (and their sockets), or the new one refuses to start
    if info.socket_dir is not None:
        for lock in Path(info.socket_dir).glob(".s.PGSQL.*.lock"):
            try:
                owner = int(lock.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            if owner == info.pid:
                lock.unlink(missing_ok=True)
                lock.with_suffix("").unlink(missing_ok=True)
    (_pgdata(settings) / "postmaster.pid").unlink(missing_ok=True)


HBA = """\
# written by `netra stack up` on every start; edit NETRA_ settings instead.
# The owner (postgres) only over the unix socket, and only as the OS user that runs netra (peer + pg_ident);
# netra_pipeline and analyst logins (members of netra_analyst) only over localhost TCP with scram-sha-256.
local   all     postgres                                peer map=owner
host    {db}   netra_pipeline,+netra_analyst   127.0.0.1/32    scram-sha-256
host    {db}   netra_pipeline,+netra_analyst   ::1/128         scram-sha-256
"""


def _write_auth_files(pgdata: Path, system_user: str | None) -> None:
    import pwd

    (pgdata / "pg_hba.conf").write_text(HBA.format(db=DATABASE))
    me = pwd.getpwuid(os.geteuid()).pw_name
    users = sorted({me, system_user or me})
    (pgdata / "pg_ident.conf").write_text("# written by `netra stack up`\n"
                                          + "".join(f"owner   {u}   postgres\n" for u in users))
    if system_user:
        uid, gid = pwd.getpwnam(system_user).pw_uid, pwd.getpwnam(system_user).pw_gid
        for name in ("pg_hba.conf", "pg_ident.conf"):
            os.chown(pgdata / name, uid, gid)


def _start(settings: Settings, say: Say) -> None:
    """Initdb if needed, then pg_ctl start with a unix socket (owner) and a localhost TCP port (password logins).

    pgserver's own get_server() starts postgres with `-h ""` (no TCP at all) and trusts any stale postmaster.pid
    whose pid is a zombie, so Netra drives pg_ctl itself and uses pgserver for the binaries and initdb.
    """
    from pgserver import _commands as pg
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import ensure_user_exists, find_suitable_socket_dir

    pgdata = _pgdata(settings)
    system_user = "pgserver" if os.geteuid() == 0 else None  # postgres refuses to run as root
    if system_user:
        ensure_user_exists(system_user)
    pgdata.mkdir(parents=True, exist_ok=True)
    # pgserver's initdb with its permission handling for root; `self` needs only these attributes
    PostgresServer.ensure_pgdata_inited(SimpleNamespace(pgdata=pgdata, system_user=system_user,
                                                        postgres_user="postgres"))  # type: ignore[arg-type]
    _write_auth_files(pgdata, system_user)
    socket_dir = find_suitable_socket_dir(pgdata, PostgresServer.runtime_path)
    if system_user and socket_dir != pgdata:
        socket_dir.chmod(0o777)
    if port_open("127.0.0.1", settings.pg_port):
        raise PortTaken(f"postgres: 127.0.0.1:{settings.pg_port} (NETRA_PG_PORT) is taken by a program this stack "
                        "did not start. Stop it or set NETRA_PG_PORT to a free port.")
    log = pgdata / "log"
    args = ["-w", "-t", "60", "-l", str(log),
            "-o", f"-h 127.0.0.1 -p {settings.pg_port} -k {socket_dir}",
            "-o", "-c unix_socket_permissions=0700 -c password_encryption=scram-sha-256",
            "start"]
    try:
        pg.pg_ctl(args, pgdata=pgdata, user=system_user, timeout=90)  # type: ignore[attr-defined]
    except Exception as exc:
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start ({exc}); end of {log}:\n{tail}") from None
    deadline = time.monotonic() + 30
    while not _running(settings):
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL started but never reported ready; see {log}")
        time.sleep(0.3)


def owner_uri(settings: Settings, database: str = DATABASE) -> str:
    """The owner's connection URI over the unix socket."""
    info = _postmaster(settings)
    return f"postgresql://postgres@/{database}?host={info.socket_dir}&port={info.port}"


def up(settings: Settings, say: Say) -> None:
    """Start the embedded PostgreSQL (idempotent)."""
    if settings.pg_dsn:
        say("postgres: using NETRA_PG_DSN (not started by netra)")
        return
    import psycopg2

    _quiet_pgserver(settings)
    pgdata = _pgdata(settings)
    info = _postmaster(settings) if pgdata.exists() else None
    if info is not None and _is_postmaster(info.pid):
        say(f"postgres: already running (data {pgdata}, pid {info.pid})")
        if info.port != settings.pg_port:
            say(f"  note: it listens on port {info.port}, not NETRA_PG_PORT={settings.pg_port}; "
                "`netra stack down` and up again to move it")
    else:
        if info is not None:
            _clear_crash(settings, info, say)
        say(f"postgres: starting embedded server (data {pgdata}, localhost:{settings.pg_port}) ...")
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _start(settings, say)
        StackState(settings).update("postgres", {"pgdata": str(pgdata), "pid": _postmaster(settings).pid})
    conn = psycopg2.connect(owner_uri(settings, "postgres"))
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cur.fetchone() is None:
                cur.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        conn.close()
    uri = owner_uri(settings)
    embedded_dsn_file(settings).write_text(uri)
    say(f"postgres: up (owner: unix socket {uri}; logins: {settings.analyst_dsn('USER')})")




def down(settings: Settings, say: Say) -> None:
    """Stop the embedded PostgreSQL that Netra started."""
    state = StackState(settings)
    if "postgres" not in state.load():
        return
    pgdata = _pgdata(settings)
    info = _postmaster(settings) if pgdata.exists() else None
    if info is not None and _is_postmaster(info.pid):
        # SIGINT = PostgreSQL's "fast" shutdown. Signalling the postmaster (rather than running
        # pg_ctl as the pgserver user) works whatever the permissions on the parent folders.
        stop_pid(info.pid, "postgres", say, signal_number=signal.SIGINT, group=False)
        say("postgres: stopped")
    state.update("postgres", None)


def status(settings: Settings) -> ComponentStatus:
    """Whether PostgreSQL answers and where it is."""
    if settings.pg_dsn:
        return ComponentStatus("postgres", _external_answers(settings.pg_dsn), "NETRA_PG_DSN", False)
    pgdata = _pgdata(settings)
    running = pgdata.exists() and _running(settings)
    where = embedded_dsn_file(settings).read_text().strip() if embedded_dsn_file(settings).exists() else str(pgdata)
    return ComponentStatus("postgres", running, where, "postgres" in StackState(settings).load())


def _external_answers(uri: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(uri, connect_timeout=3).close()
        return True
    except psycopg2.Error:
        return False
