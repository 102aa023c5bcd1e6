"""Riding out outages: transient failures are retried with backoff, configuration errors are not."""
from __future__ import annotations

import json
import logging

import pytest

from consumers.loop import KafkaEmitter, StopFlag, run
from consumers.resilience import GaveUp, Patience, Stopped, is_transient
from consumers.validator import Validator
from fakes import FakeConsumer, FakeProducer
from support import REPORT_FILED, record

FILED = REPORT_FILED.read_bytes()


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def patience(**kw):
    clock = Clock()
    return Patience(clock=clock, sleep=clock.sleep, **kw), clock


def flaky(failures, exc=None):
    exc = exc if exc is not None else ConnectionRefusedError("[Errno 111] ECONNREFUSED")
    calls = []

    def fn():
        calls.append(1)
        if len(calls) <= failures:
            raise exc
        return "ok"

    return fn, calls


def test_a_transient_failure_is_retried_with_backoff_and_logged_once_each_way(caplog):
    p, clock = patience(give_up_s=60)
    fn, calls = flaky(4)
    with caplog.at_level(logging.WARNING, "netra.consumer"):
        assert p.run("poll Kafka", fn) == "ok"
    assert len(calls) == 5 and clock.now == pytest.approx(0.5 + 1 + 2 + 4)
    events = [json.loads(r.getMessage())["event"] for r in caplog.records]
    assert events == ["outage", "recovered"]
    assert "ECONNREFUSED" in caplog.records[0].getMessage() and p.outages == 1


def test_it_gives_up_after_the_setting_and_says_what_to_do():
    p, clock = patience(give_up_s=30)
    fn, _ = flaky(10_000)
    with pytest.raises(GaveUp, match="NETRA_OUTAGE_GIVE_UP_S"):
        p.run("connect to Kafka", fn)
    assert 30 <= clock.now < 45


def test_zero_means_it_never_gives_up():
    p, clock = patience(give_up_s=0)
    fn, calls = flaky(500)
    assert p.run("x", fn) == "ok" and clock.now > 3600


def test_a_configuration_error_is_raised_at_once():
    p, _ = patience()
    fn, calls = flaky(1, exc=ValueError("bad setting"))
    with pytest.raises(ValueError):
        p.run("x", fn)
    assert len(calls) == 1


def test_sigterm_while_waiting_stops_the_wait():
    stop = StopFlag(install=False)
    p, _ = patience(stop=stop)

    def fn():
        stop.stopped = True
        raise ConnectionResetError("gone")

    with pytest.raises(Stopped):
        p.run("x", fn)


def test_what_counts_as_transient():
    import psycopg2
    from kafka import errors

    from netra.kafka_io import DeliveryError

    assert is_transient(errors.KafkaConnectionError("Connection refused"))
    assert is_transient(errors.KafkaTimeoutError("bootstrap"))
    assert is_transient(errors.NotLeaderForPartitionError())
    assert is_transient(psycopg2.InterfaceError("connection already closed"))
    assert is_transient(psycopg2.OperationalError("server closed the connection unexpectedly"))
    assert is_transient(DeliveryError([(0, errors.KafkaTimeoutError("expired"))]))
    wrapped = errors.KafkaError("User rebalance callback throws an error")
    wrapped.__cause__ = psycopg2.InterfaceError("connection already closed")
    assert is_transient(wrapped), "the listener's lost Postgres connection is what counts"
    assert not is_transient(psycopg2.OperationalError('FATAL:  password authentication failed for user "x"'))
    assert not is_transient(psycopg2.OperationalError('FATAL:  database "nope" does not exist'))
    assert not is_transient(errors.KafkaConfigurationError("group_instance_id requires group_id"))
    assert not is_transient(DeliveryError([(0, errors.MessageSizeTooLargeError())]))
    assert not is_transient(KeyError("enrichment"))


def test_the_loop_rides_out_a_failing_write_and_commits_once_it_succeeded():
    consumer = FakeConsumer([[record(FILED)]])
    producer = FakeProducer()
    emit = KafkaEmitter(producer)
    attempts = []

    def flaky_emit(records, outcome):
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError("broker restarting")
        emit(records, outcome)

    p, _ = patience(give_up_s=60)
    counters = run(consumer, Validator(batch_rules=lambda e, r: [[] for _ in e]), flaky_emit, batch_wait_ms=1,
                   batch_size=10, until_idle=0.05, stop=StopFlag(install=False), patience=p)
    assert len(attempts) == 3 and counters.forwarded == 1 and consumer.commits == 1


def test_a_failed_offset_commit_is_logged_not_fatal(caplog):
    class CommitFails(FakeConsumer):
        def commit(self):
            from kafka.errors import CommitFailedError

            self.commits += 1
            raise CommitFailedError()

    consumer = CommitFails([[record(FILED)], [record(FILED, offset=1)]])
    p, _ = patience()
    with caplog.at_level(logging.WARNING, "netra.consumer"):
        counters = run(consumer, Validator(batch_rules=lambda e, r: [[] for _ in e]), KafkaEmitter(FakeProducer()),
                       batch_wait_ms=1, batch_size=10, until_idle=0.05, stop=StopFlag(install=False), patience=p)
    assert counters.batches == 2 and consumer.commits == 2
    assert [json.loads(r.getMessage())["event"] for r in caplog.records] == ["commit_failed", "commit_failed"]


def test_the_sink_writer_reconnects_after_losing_its_connection():
    from consumers.sink import PostgresWriter

    class Conn:
        def __init__(self, n):
            self.n, self.closed = n, 0

    made = []

    def reconnect():
        made.append(Conn(len(made)))
        return made[-1]

    writer = PostgresWriter(reconnect(), "g", reconnect=reconnect)
    assert writer.connection().n == 0
    made[0].closed = 2  # what psycopg2 sets when the server went away
    assert writer.connection().n == 1 and len(made) == 2
    assert writer.connection().n == 1, "a live connection is kept"
