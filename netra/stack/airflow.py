"""Airflow 3 `standalone` with AIRFLOW_HOME under NETRA_HOME and dags folder = the repo's dags/."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from netra.settings import Settings
from netra.stack import ComponentStatus, Say, StackState, pid_alive, port_open, stop_pid, wait_for

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


def airflow_home(settings: Settings) -> Path:
    return settings.home / "airflow"


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment for Airflow processes: its home, our dags, no examples, NETRA_ settings passed through."""
    env = dict(os.environ)
    # standalone starts its components as `airflow ...`: the venv's bin must be on PATH
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        AIRFLOW_HOME=str(airflow_home(settings)),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__API__PORT=str(settings.airflow_port),
        NETRA_HOME=str(settings.home),
    )
    return env


def up(settings: Settings, say: Say) -> None:
    state = StackState(settings)
    mine = state.load().get("airflow", {})
    if pid_alive(mine.get("pid")):
        say(f"airflow: already running at http://127.0.0.1:{settings.airflow_port}")
        return
    beside = Path(sys.executable).parent / "airflow"  # the venv's, even when it is not activated
    exe = str(beside) if beside.exists() else shutil.which("airflow")
    if exe is None:
        raise RuntimeError("Airflow is not installed: pip install -e '.[airflow]' (make install does this)")
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
    say(f"airflow: up at http://127.0.0.1:{settings.airflow_port}")
    say(f"  login: user and password are in {home / 'simple_auth_manager_passwords.json.generated'}")


def down(settings: Settings, say: Say) -> None:
    state = StackState(settings)
    pid = state.load().get("airflow", {}).get("pid")
    if pid_alive(pid):
        stop_pid(pid, "airflow", say, timeout=60)
        say("airflow: stopped")
    state.update("airflow", None)


def status(settings: Settings) -> ComponentStatus:
    pid = StackState(settings).load().get("airflow", {}).get("pid")
    mine = pid_alive(pid)
    return ComponentStatus("airflow", mine and port_open("127.0.0.1", settings.airflow_port),
                           f"http://127.0.0.1:{settings.airflow_port}", mine, pid if mine else None)
