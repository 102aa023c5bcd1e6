"""The local stack without Docker: Kafka (KRaft, from Maven Central jars), PostgreSQL (pgserver), Airflow 3.

`up` is idempotent and says what it waits for; `down` stops only what `up` started
(recorded in NETRA_HOME/stack.json); `status` says what runs where.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from netra.settings import Settings

Say = Callable[[str], None]


@dataclass
class ComponentStatus:
    """Whether one stack component runs, where, and whether Netra started it."""

    name: str
    running: bool
    where: str
    started_by_netra: bool
    pid: int | None = None


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when a TCP connection to host:port succeeds within the timeout."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int | None) -> bool:
    """True when a process with this pid exists."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0): look at /proc when there is one
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def wait_for(what: str, check: Callable[[], bool], timeout: float, say: Say, interval: float = 0.5) -> None:
    """Wait until `check` is true, or raise when the timeout passes."""
    say(f"  waiting for {what} (up to {timeout:.0f}s) ...")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def stop_pid(pid: int, name: str, say: Say, timeout: float = 30.0, signal_number: int = signal.SIGTERM,
             group: bool = True) -> None:
    """Signal the process (group), wait for it to exit, then SIGKILL."""
    if not pid_alive(pid):
        return
    say(f"  stopping {name} (pid {pid}) ...")
    kill = os.killpg if group else os.kill
    try:
        kill(pid, signal_number)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.3)
    say(f"  {name} did not stop in {timeout:.0f}s; killing it")
    try:
        kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class PortTaken(RuntimeError):
    """A port of the stack answers, but not with the service this stack started; the message says which."""


class StackState:
    """What `up` started, so that `down` stops only that."""

    def __init__(self, settings: Settings):
        self.path = settings.home / "stack.json"

    def load(self) -> dict:
        """The saved stack state, or an empty dict when there is none."""
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def save(self, state: dict) -> None:
        """Write the stack state file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(state, indent=2, sort_keys=True))

    def update(self, name: str, info: dict | None) -> None:
        """Set or (with None) remove one component's entry in the state file."""
        state = self.load()
        if info is None:
            state.pop(name, None)
        else:
            state[name] = info
        self.save(state)


def up(settings: Settings, say: Say = print, with_airflow: bool = False) -> None:
    """Start Kafka and PostgreSQL, and Airflow when asked (idempotent)."""
    from netra.stack import airflow, kafka, postgres

    settings.home.mkdir(parents=True, exist_ok=True)
    say(f"netra stack up (state in {settings.home})")
    kafka.up(settings, say)
    postgres.up(settings, say)
    if with_airflow:
        airflow.up(settings, say)
    say("stack is up")


def down(settings: Settings, say: Say = print) -> None:
    """Stop the components Netra started."""
    from netra.stack import airflow, kafka, postgres

    say("netra stack down")
    airflow.down(settings, say)
    kafka.down(settings, say)
    postgres.down(settings, say)
    say("stack is down")


def status(settings: Settings) -> list[ComponentStatus]:
    """The status of each stack component."""
    from netra.stack import airflow, kafka, postgres

    return [kafka.status(settings), postgres.status(settings), airflow.status(settings)]
