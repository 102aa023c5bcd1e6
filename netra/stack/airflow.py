"""Airflow 3 `standalone` with AIRFLOW_HOME under NETRA_HOME and dags folder = the repo's dags/.

Every port Airflow opens comes from a NETRA_ setting (API/UI, worker and triggerer log
servers), and task workers are told where the execution API is (`[core]
execution_api_server_url`), so two stacks on one machine never call each other's API.
DAGs start unpaused: the schedules and the Kafka asset watcher run without a click.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from netra.settings import Settings
from netra.stack import ComponentStatus, Say, StackState, pid_alive, port_open, stop_pid, wait_for

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


def airflow_home(settings: Settings) -> Path:
    """The AIRFLOW_HOME of the local stack."""
    return settings.home / "airflow"


def kafka_connection(settings: Settings) -> str:
    """The `netra_kafka` Airflow connection (JSON) the reconcile DAG's asset watcher consumes with.

    A group of its own, committed per message; a new group starts at the end of the
    topics (what landed before Airflow ran is reconciled by the first scheduled run). It logs in
    as the `airflow` principal, which may read only the two watched ingress topics.
    """
    return json.dumps({"conn_type": "kafka", "extra": {
        "bootstrap.servers": settings.kafka_bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": "airflow",
        "sasl.password": settings.kafka_password("airflow"),
        "group.id": settings.group_id("airflow-watcher"),
        "auto.offset.reset": "latest",
        "enable.auto.commit": False,
    }})


def airflow_config(settings: Settings) -> dict[str, str]:
    """The AIRFLOW__ settings Netra derives from its own (also what docker-compose.yml sets)."""
    host = settings.airflow_host
    client_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return {
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(settings.airflow_port),
        "AIRFLOW__API__BASE_URL": f"http://{client_host}:{settings.airflow_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{client_host}:{settings.airflow_port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(settings.airflow_worker_log_port),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(settings.airflow_trigger_log_port),
        "AIRFLOW_CONN_NETRA_KAFKA": kafka_connection(settings),
    }


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment for Airflow processes: its home, our dags and ports, NETRA_ settings passed through."""
    env = dict(os.environ)
    # standalone starts its components as `airflow ...`: the venv's bin must be on PATH
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(airflow_config(settings))
    env.update(AIRFLOW_HOME=str(airflow_home(settings)), NETRA_HOME=str(settings.home))
    return env


def _ports(settings: Settings) -> dict[str, int]:
    return {"NETRA_AIRFLOW_PORT": settings.airflow_port,
            "NETRA_AIRFLOW_WORKER_LOG_PORT": settings.airflow_worker_log_port,
            "NETRA_AIRFLOW_TRIGGER_LOG_PORT": settings.airflow_trigger_log_port}


def _listening_pids(port: int) -> set[int]:
    """Pids with a TCP socket listening on `port` (from /proc; empty where there is no /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(fields[9])
    pids: set[int] = set()
    if not inodes:
        return pids
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.add(int(proc.name))
                    break
        except OSError:
            continue
    return pids


def _descendants(pid: int) -> set[int]:
    """`pid` and every process below it (standalone and each component it started)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    found, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def answered_by_us(settings: Settings, pid: int) -> bool | None:
    """Is the API port held by the Airflow Netra started (pid or a descendant)? None when /proc cannot tell."""
    if not Path("/proc/net/tcp").exists():
        return None
    holders = _listening_pids(settings.airflow_port)
    if not holders:  # a socket we may not inspect (another user's process) still answers
        return False if port_open("127.0.0.1", settings.airflow_port) else None
    return bool(holders & _descendants(pid))


def up(settings: Settings, say: Say) -> None:
    """Start Airflow standalone for the local stack (idempotent)."""
    state = StackState(settings)
    mine = state.load().get("airflow", {})
    if pid_alive(mine.get("pid")):
        say(f"airflow: already running at http://127.0.0.1:{settings.airflow_port}")
        return
    beside = Path(sys.executable).parent / "airflow"  # the venv's, even when it is not activated
    exe = str(beside) if beside.exists() else shutil.which("airflow")
    if exe is None:
        raise RuntimeError("Airflow is not installed: pip install -e '.[airflow]' (make install does this)")
    taken = [f"{name}={port}" for name, port in _ports(settings).items() if port_open("127.0.0.1", port)]
    if taken:
        raise RuntimeError(f"cannot start Airflow: port(s) already in use by another program: {', '.join(taken)}; "
                           "stop that program or set these NETRA_ settings to free ports")
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    log = home / "standalone.log"
    say(f"airflow: starting `airflow standalone` (AIRFLOW_HOME={home}, log {log}) ...")
    proc = subprocess.Popen([exe, "standalone"], env=airflow_env(settings), stdout=open(log, "ab"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    state.update("airflow", {"pid": proc.pid})
    try:
        wait_for(f"Airflow API server on port {settings.airflow_port}",
                 lambda: port_open("127.0.0.1", settings.airflow_port) or proc.poll() is not None, 300, say, 2)
    except TimeoutError:
        stop_pid(proc.pid, "airflow", say, timeout=60)
        state.update("airflow", None)
        raise RuntimeError(f"Airflow did not answer on port {settings.airflow_port} within 300s; see {log}") from None
    if proc.poll() is not None:
        state.update("airflow", None)
        raise RuntimeError(f"airflow standalone exited with code {proc.returncode}; see {log}")
    if answered_by_us(settings, proc.pid) is False:
        stop_pid(proc.pid, "airflow", say, timeout=60)
        state.update("airflow", None)
        raise RuntimeError(f"port {settings.airflow_port} (NETRA_AIRFLOW_PORT) answers, but not from the Airflow "
                           f"Netra started (pid {proc.pid}): another program holds it; see {log}. "
                           "Stop that program or set NETRA_AIRFLOW_PORT to a free port")
    say(f"airflow: up at http://127.0.0.1:{settings.airflow_port}")
    say(f"  login: user and password are in {home / 'simple_auth_manager_passwords.json.generated'}")


def down(settings: Settings, say: Say) -> None:
    """Stop the Airflow that Netra started."""
    state = StackState(settings)
    pid = state.load().get("airflow", {}).get("pid")
    if pid_alive(pid):
        stop_pid(pid, "airflow", say, timeout=60)
        say("airflow: stopped")
    state.update("airflow", None)


def status(settings: Settings) -> ComponentStatus:
    """Whether Airflow runs and whether Netra started it."""
    pid = StackState(settings).load().get("airflow", {}).get("pid")
    mine = pid_alive(pid)
    running = mine and port_open("127.0.0.1", settings.airflow_port) and answered_by_us(settings, pid) is not False
    return ComponentStatus("airflow", running,
                           f"http://127.0.0.1:{settings.airflow_port}", mine, pid if mine else None)
