"""What the benchmarks share: a throw-away Netra stack, the fake Kafka record, progress and report lines.

`Stack` is embedded Postgres + Kafka (KRaft) in a temp NETRA_HOME (or in a given one, which is
kept: `Stack(home=...)`), started the way tests/conftest.py starts it (free ports unless given),
stopped (and a temp home removed) in `__exit__`.
The environment of the process is set for the stack while it runs, so subprocesses
started with `os.environ` talk to it. Importing this module puts the repo on sys.path.
"""
from __future__ import annotations

import atexit
import dataclasses
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


class Record(NamedTuple):
    """What a stage reads of a Kafka ConsumerRecord (the pure-stage benchmarks feed these to `process()`)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet(_msg: str) -> None:
    pass


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine() -> str:
    """Return the CPU model and core count of this machine."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPU ({model}), Python {platform.python_version()}, load avg {os.getloadavg()[0]:.2f}"


def py_spy() -> str:
    """py-spy next to this Python, or on PATH (`pip install py-spy`), for the benches' --profile."""
    here = Path(sys.executable).parent / "py-spy"
    found = str(here) if here.exists() else shutil.which("py-spy")
    if found is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    return found


def git_head() -> str:
    """Return the short hash of the checked-out commit (`?` when unknown)."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=REPO).stdout.strip() or "?"
    except OSError:
        return "?"


def runtime_dir() -> None:
    """Pgserver keeps a lock file in the runtime dir, fixed at its import: one folder per bench process."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = tempfile.mkdtemp(prefix="netra-bench-run-")
        os.chmod(runtime, 0o700)
        os.environ["XDG_RUNTIME_DIR"] = runtime
        atexit.register(shutil.rmtree, runtime, True)


class Stack:
    def __init__(self, *, partitions: int = 3, kafka_port: int | None = None, controller_port: int | None = None,
                 pg_port: int | None = None, kafka: bool = True, env: dict | None = None,
                 home: Path | None = None):
        self.partitions = partitions
        self.kafka_port = kafka_port or free_port()
        self.controller_port = controller_port or free_port()
        self.pg_port = pg_port or free_port()  # never the default 5433: another stack may be listening there
        self.with_kafka = kafka
        self.extra_env = env or {}
        # a given home is kept (a benchmark reuses what it landed there); a temp one is removed on exit
        self.keep = home is not None
        self.home = Path(home).resolve() if home is not None else Path(tempfile.mkdtemp(prefix="netra-bench-home-"))
        self.home.mkdir(parents=True, exist_ok=True)
        self.settings = None
        self.up_s = None

    def __enter__(self) -> Stack:
        runtime_dir()
        self._saved = dict(os.environ)
        os.environ.update(
            NETRA_HOME=str(self.home),
            NETRA_KAFKA_BOOTSTRAP=f"127.0.0.1:{self.kafka_port}",
            NETRA_KAFKA_CONTROLLER_PORT=str(self.controller_port),
            NETRA_PG_PORT=str(self.pg_port),
            NETRA_TOPIC_PARTITIONS=str(self.partitions),
            NETRA_HMAC_KEY="bench-only-key-0123456789abcdef",
            NETRA_PG_DSN="",
            NETRA_LOG_LEVEL="WARNING",
            # a throw-away stack: the Postgres and Kafka secrets are generated under its NETRA_HOME
            NETRA_DEMO_MODE="true",
            # bench code that names no principal acts as the operator, as in tests/conftest.py;
            # the stages use their own principals
            NETRA_KAFKA_PRINCIPAL="admin",
            **self.extra_env,
        )
        from netra import settings as settings_mod
        from netra.kafka_io import create_topics
        from netra.stack import kafka, postgres
        from netra.warehouse.db import connect, migrate

        self.settings = s = settings_mod.load()
        self._pg = self._kafka = False
        t = time.monotonic()
        try:
            self._pg = True
            postgres.up(s, quiet)
            conn = connect(s, owner=True)  # the migration creates the pipeline login the rest uses
            try:
                migrate(conn, quiet, pipeline_password=s.pg_pipeline_password)
            finally:
                conn.close()
            if self.with_kafka:
                self._kafka = True
                try:
                    kafka.up(s, quiet)
                except RuntimeError as exc:  # a cluster id starting with "-" (see BENCHMARKS.md)
                    if "storage format failed" not in str(exc):
                        raise
                    shutil.rmtree(self.home / "kafka", ignore_errors=True)
                    kafka.up(s, quiet)
                create_topics(s, quiet)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.up_s = time.monotonic() - t
        return self

    def connect(self, owner: bool = False):
        """A connection as the pipeline login (what the stages use), or as the owner (set-up, TRUNCATE)."""
        from netra.warehouse.db import connect

        return connect(self.settings, owner=owner)

    def grant_groups(self, group_prefix: str) -> None:
        """The ACLs of every principal for the consumer groups `<group_prefix>.<stage>` (a fresh prefix per run)."""
        from netra.kafka_auth import apply_grants
        from netra.kafka_io import make_admin

        admin = make_admin(self.settings)
        try:
            apply_grants(admin, dataclasses.replace(self.settings, group_prefix=group_prefix), quiet)
        finally:
            admin.close()

    def __exit__(self, *exc) -> None:
        from netra.stack import kafka, postgres

        try:
            if self._kafka:
                kafka.down(self.settings, quiet)
        finally:
            try:
                if self._pg:
                    postgres.down(self.settings, quiet)
            finally:
                os.environ.clear()
                os.environ.update(self._saved)
                if not self.keep:
                    shutil.rmtree(self.home, ignore_errors=True)
