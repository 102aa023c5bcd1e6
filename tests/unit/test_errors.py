"""Errors that say what to do, against a REAL closed port: which service, which setting, which command."""
from __future__ import annotations

import socket

import pytest


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def no_kafka(monkeypatch, tmp_path):
    port = closed_port()
    monkeypatch.setenv("NETRA_HOME", str(tmp_path))
    monkeypatch.setenv("NETRA_KAFKA_BOOTSTRAP", f"127.0.0.1:{port}")
    monkeypatch.setenv("NETRA_KAFKA_TIMEOUT_S", "1")
    monkeypatch.setenv("NETRA_DEMO_MODE", "true")
    return port


@pytest.mark.parametrize("argv", [["topics", "create"], ["publish", "--topic", "sanctions.raw", "-"]])
def test_kafka_down_is_said_on_stderr_with_the_setting_and_the_fix(no_kafka, argv, capsys):
    from netra.cli import main

    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        f"error: Kafka at 127.0.0.1:{no_kafka} (NETRA_KAFKA_BOOTSTRAP) is not reachable within 1s "
        "(NETRA_KAFKA_TIMEOUT_S): run `netra stack up`, or point NETRA_KAFKA_BOOTSTRAP at a running broker")
    assert "KafkaTimeoutError" not in captured.out + captured.err


def test_postgres_down_is_said_with_the_dsn_setting_and_no_password(monkeypatch, tmp_path, capsys):
    from netra.cli import main

    port = closed_port()
    monkeypatch.setenv("NETRA_HOME", str(tmp_path))
    monkeypatch.setenv("NETRA_PG_DSN", f"postgresql://netra:s3cret@127.0.0.1:{port}/netra")
    assert main(["db", "migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: PostgreSQL at 127.0.0.1:{port} (NETRA_PG_DSN) is not reachable")
    assert err.rstrip().endswith("run `netra stack up`, or point NETRA_PG_DSN at a running server")
    assert "s3cret" not in err


def test_the_timeouts_are_settings_passed_to_every_client():
    from netra import settings
    from netra.kafka_io import timeouts

    s = settings.load({"NETRA_KAFKA_TIMEOUT_S": "3"})
    assert timeouts(s) == {"bootstrap_timeout_ms": 3000}
    with pytest.raises(settings.SettingsError, match="NETRA_KAFKA_TIMEOUT_S"):
        settings.load({"NETRA_KAFKA_TIMEOUT_S": "0"})


def test_explain_sees_through_wrapped_errors():
    from kafka.errors import KafkaTimeoutError

    from netra import settings
    from netra.errors import explain
    from netra.kafka_io import DeliveryError

    s = settings.load({"NETRA_KAFKA_BOOTSTRAP": "k:1"})
    wrapped = DeliveryError([(0, KafkaTimeoutError("Failed to update metadata after 5.0 secs."))])
    assert explain(wrapped, s, ["sanctions.raw"]) == (
        "Kafka at k:1 (NETRA_KAFKA_BOOTSTRAP) has no topic sanctions.raw: run `netra topics create`")
    assert explain(ValueError("something else"), s) is None
