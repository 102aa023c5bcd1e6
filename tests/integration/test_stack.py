"""The local stack: `up` twice is harmless, status tells what runs, topics are created idempotently."""
from __future__ import annotations

from netra import stack
from netra.kafka_io import create_topics
from netra.settings import ALL_TOPICS
from netra.stack import StackState


def test_up_twice_is_harmless_and_keeps_the_same_processes(stack_settings):
    before = StackState(stack_settings).load()
    messages = []
    stack.up(stack_settings, messages.append)
    assert StackState(stack_settings).load()["kafka"]["pid"] == before["kafka"]["pid"]
    assert any("already running" in m for m in messages)
    by_name = {c.name: c for c in stack.status(stack_settings)}
    assert by_name["kafka"].running and by_name["kafka"].started_by_netra
    assert by_name["postgres"].running and by_name["postgres"].started_by_netra
    assert not by_name["airflow"].running


def test_topics_create_is_idempotent(stack_settings):
    create_topics(stack_settings, lambda _m: None)
    assert create_topics(stack_settings, lambda _m: None) == []
    from kafka import KafkaAdminClient

    from netra.kafka_auth import ADMIN, client_kwargs

    admin = KafkaAdminClient(**client_kwargs(stack_settings, ADMIN))
    try:
        assert set(ALL_TOPICS) <= set(admin.list_topics())
        partitions = admin.describe_topics(["reports.raw"])[0]["partitions"]
        assert len(partitions) == stack_settings.topic_partitions
    finally:
        admin.close()


def test_netra_status_reports_lag_dead_letters_and_the_last_reconcile(stack_settings, capsys):
    from netra.cli import main

    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "kafka     running" in out and "consumer lag: validator" in out
    assert "dead letters:" in out and "overdue recommendations:" in out


def test_storage_format_accepts_a_cluster_id_starting_with_a_dash(tmp_path, monkeypatch):
    """1 in 64 random base64 ids starts with "-"; it must not be read as an option."""
    from netra import settings
    from netra.stack import kafka

    s = settings.load({"NETRA_HOME": str(tmp_path), "NETRA_KAFKA_BOOTSTRAP": "127.0.0.1:1",
                       "NETRA_KAFKA_CONTROLLER_PORT": "2", "NETRA_KAFKA_PASSWORD_ADMIN": "test-admin-password"})
    real = kafka.base64.urlsafe_b64encode
    monkeypatch.setattr(kafka.base64, "urlsafe_b64encode", lambda b: b"-" + real(b)[1:])
    kafka.format_storage(s, kafka.resolve_jars(s, print), kafka.write_config(s), print)
    assert "cluster.id=-" in (tmp_path / "kafka" / "data" / "meta.properties").read_text()
