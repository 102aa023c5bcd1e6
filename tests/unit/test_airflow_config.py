"""Airflow as Netra starts it: every port and URL from NETRA_ settings, DAGs unpaused, the watcher's connection."""
from __future__ import annotations

import json
import socket

import pytest

from netra import settings
from netra.stack import airflow


def _settings(**env):
    return settings.load({"NETRA_HOME": "/tmp/netra-test-home", "NETRA_KAFKA_PASSWORD_AIRFLOW": "watcher-pw", **env})


def test_ports_and_execution_api_follow_the_settings():
    s = _settings(NETRA_AIRFLOW_PORT="15080", NETRA_AIRFLOW_WORKER_LOG_PORT="15793",
                  NETRA_AIRFLOW_TRIGGER_LOG_PORT="15794")
    cfg = airflow.airflow_config(s)
    assert cfg["AIRFLOW__API__PORT"] == "15080"
    assert cfg["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:15080/execution/"
    assert cfg["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] == "15793"
    assert cfg["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] == "15794"
    assert cfg["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert cfg["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"


def test_defaults_are_airflows_own_ports():
    cfg = airflow.airflow_config(_settings())
    assert cfg["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8080/execution/"
    assert (cfg["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"], cfg["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"]) == (
        "8793", "8794")


def test_binding_all_addresses_still_calls_the_api_on_loopback():
    cfg = airflow.airflow_config(_settings(NETRA_AIRFLOW_HOST="0.0.0.0", NETRA_AIRFLOW_PORT="9000"))
    assert cfg["AIRFLOW__API__HOST"] == "0.0.0.0"
    assert cfg["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:9000/execution/"


def test_the_watcher_connection_points_at_netra_kafka_with_its_own_group():
    from netra.reconcile.watch import KAFKA_CONN_ID

    s = _settings(NETRA_KAFKA_BOOTSTRAP="127.0.0.1:15092", NETRA_GROUP_PREFIX="ops")
    env = airflow.airflow_env(s)
    conn = json.loads(env[f"AIRFLOW_CONN_{KAFKA_CONN_ID.upper()}"])
    assert conn["conn_type"] == "kafka"
    assert conn["extra"]["bootstrap.servers"] == "127.0.0.1:15092"
    assert conn["extra"]["group.id"] == "ops.airflow-watcher"
    # as the read-only `airflow` principal, whose password comes from its setting
    assert (conn["extra"]["sasl.username"], conn["extra"]["sasl.password"]) == ("airflow", "watcher-pw")
    assert conn["extra"]["security.protocol"] == "SASL_PLAINTEXT"
    assert env["AIRFLOW_HOME"] == str(s.home / "airflow")


def test_up_refuses_when_a_port_is_taken_by_another_program(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        s = settings.load({"NETRA_HOME": str(tmp_path), "NETRA_AIRFLOW_WORKER_LOG_PORT": str(port)})
        with pytest.raises(RuntimeError, match=f"NETRA_AIRFLOW_WORKER_LOG_PORT={port}"):
            airflow.up(s, lambda _m: None)
    assert "airflow" not in airflow.StackState(s).load()


def test_a_port_held_by_someone_else_is_not_ours():
    """answered_by_us: the listening socket belongs to this test process, not to a (non-)Airflow child."""
    import subprocess
    import sys

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        s = settings.load({"NETRA_HOME": "/tmp/x", "NETRA_AIRFLOW_PORT": str(port)})
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            assert airflow.answered_by_us(s, child.pid) is False
        finally:
            child.kill()
            child.wait()
        import os

        assert airflow.answered_by_us(s, os.getpid()) is True
