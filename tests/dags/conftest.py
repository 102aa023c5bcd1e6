"""Airflow for DAG tests: a throw-away AIRFLOW_HOME with a migrated SQLite metadata DB.

Set before anything imports airflow (it reads its configuration at import).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from support import REPO

_HOME = Path(tempfile.mkdtemp(prefix="netra-airflow-"))
os.environ.update(
    AIRFLOW_HOME=str(_HOME),
    AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
)


@pytest.fixture(scope="session", autouse=True)
def airflow_db():
    """`airflow db migrate` once per session (dag.test() records its run in the metadata DB)."""
    result = subprocess.run([str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
                            capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return _HOME
