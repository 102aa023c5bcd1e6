"""Fault test: the broker and Postgres are killed (-9) and started again under running consumers, two per
stage in one group, as real `netra consume` processes. Nothing is lost or duplicated and no consumer exits.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from producers.generate import generate_season

STAGES = ("validator", "enricher", "sink")
MEMBERS = 2


def _reap(pid: int) -> None:
    # the session fixtures started the services from this process, so their corpse is our child;
    # after `netra stack up` (which exits) init reaps it, as this does here
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _kill_kafka(settings) -> None:
    from netra.stack import StackState, pid_alive

    pid = StackState(settings).load()["kafka"]["pid"]
    os.kill(pid, signal.SIGKILL)
    _wait(lambda: _reap(pid) or not pid_alive(pid), 30, "the broker to die")


def _kill_postgres(settings) -> None:
    from pgserver.utils import PostmasterInfo

    from netra.stack import pid_alive

    info = PostmasterInfo.read_from_pgdata(settings.home / "pg" / "data")
    os.kill(info.pid, signal.SIGKILL)
    _wait(lambda: _reap(info.pid) or not pid_alive(info.pid), 30, "postgres to die")


def _stack_up(netra: str, env: dict) -> None:
    """`netra stack up` as an operator runs it after a crash: it must work the first time (issue 10, item 4)."""
    done = subprocess.run([netra, "stack", "up"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"netra stack up after the crash failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}"


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.3)


def _landed(settings) -> tuple[int, int, int]:
    import psycopg2

    from netra.warehouse.db import connect

    try:
        conn = connect(settings, connect_timeout=2)
    except psycopg2.Error:
        return -1, -1, -1
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*), count(DISTINCT event_id) FROM raw.events")
            events, distinct = cur.fetchone()
            cur.execute("SELECT count(*) FROM raw.rejected_events")
            return events, distinct, cur.fetchone()[0]
    except psycopg2.Error:
        return -1, -1, -1
    finally:
        conn.close()


def _missing(settings, truth: dict) -> str:
    """What did not land and what was rejected instead, for a failure message that says where to look."""
    from netra.warehouse.db import connect

    conn = connect(settings, connect_timeout=2)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT event_id::text FROM raw.events")
            landed = {r[0] for r in cur.fetchall()}
            cur.execute("SELECT event_id, reasons FROM raw.rejected_events")
            rejected = dict(cur.fetchall())
    finally:
        conn.close()
    missing = sorted(set(truth["valid_event_ids"]) - landed)
    return (f"{len(landed)} landed, {len(missing)} missing (first: {missing[:5]}), "
            f"rejected instead: { {e: rejected[e] for e in missing if e in rejected} }")


def _log_starts(settings) -> dict:
    """Each partition's first offset: the records the fixture deleted (earlier tests' events) lie below it."""
    from kafka import KafkaConsumer, TopicPartition

    from netra.contracts.topics import ALL_TOPICS
    from netra.kafka_auth import ADMIN
    from netra.kafka_io import client_config

    consumer = KafkaConsumer(**client_config(settings, ADMIN), client_id="netra-tests")
    try:
        parts = [TopicPartition(t, p) for t in ALL_TOPICS for p in sorted(consumer.partitions_for_topic(t) or ())]
        return consumer.beginning_offsets(parts)
    finally:
        consumer.close()


def _key(line: bytes) -> bytes | None:
    from producers.publish import message_key

    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return message_key(obj) if isinstance(obj, dict) else None


def _publish(settings, lines: list[tuple[str, bytes]]) -> None:
    """As `netra publish` does: each message with its contract key, so a report's filing, corrections and
    decision share a partition and stay in order (unkeyed, a decision could reach the validator that owns
    its partition before the corrected filing on another one, and be rejected against the earlier filing).
    """
    from netra.kafka_io import await_delivery, make_producer

    producer = make_producer(settings)
    try:
        await_delivery(producer, [producer.send(topic, value=line, key=_key(line)) for topic, line in lines])
    finally:
        producer.close()


@pytest.mark.fault
def test_consumers_ride_out_broker_and_postgres_restarts(pipeline, db, tmp_path):
    from netra.stack import kafka

    season = generate_season(tmp_path / "season", seed=11, scale=0.06, sla_days=pipeline.ppk_sla_days)
    truth = json.loads(season.ground_truth_path.read_text())
    # three publishes, each a contiguous third of every topic's file: an upstream's events keep their order
    # per key (Kafka's guarantee the validator's report index relies on: a corrected filing before its decision)
    thirds: list[list[tuple[str, bytes]]] = [[], [], []]
    for topic, path in season.files.items():
        topic_lines = [line.rstrip(b"\n") for line in open(path, "rb") if line.strip()]
        cut = [len(topic_lines) * i // 3 for i in range(4)]
        for i in range(3):
            thirds[i] += [(topic, line) for line in topic_lines[cut[i]:cut[i + 1]]]

    env = dict(os.environ, NETRA_KAFKA_SESSION_TIMEOUT_MS="6000", NETRA_OUTAGE_GIVE_UP_S="300",
               NETRA_BATCH_SIZE="300", NETRA_BATCH_WAIT_MS="200", NETRA_LOG_LEVEL="INFO")
    netra = str(Path(sys.executable).with_name("netra"))
    procs = {}
    for stage in STAGES:
        for member in range(MEMBERS):
            log = open(tmp_path / f"{stage}-{member}.log", "wb")
            procs[(stage, member)] = (subprocess.Popen([netra, "consume", stage], env=env, stdout=log,
                                                       stderr=subprocess.STDOUT), log)
    t0 = time.monotonic()

    def note(what):
        print(f"{time.monotonic() - t0:6.1f}s {what}; landed {_landed(pipeline)}", flush=True)

    try:
        _publish(pipeline, thirds[0])
        note("published the first third")
        _wait(lambda: _landed(pipeline)[0] > 0, 60, "the first events to land")

        note("first events landed")
        _kill_kafka(pipeline)
        note("broker killed")
        time.sleep(2)  # the consumers see ECONNREFUSED for a while
        kafka.up(pipeline, print)
        note("broker up again")
        _publish(pipeline, thirds[1])
        note("published the second third")

        _wait(lambda: _landed(pipeline)[0] > len(thirds[0]) // 2, 60, "events to land after the broker restart")
        _kill_postgres(pipeline)
        note("postgres killed")
        time.sleep(2)
        # as an operator would: `netra stack up` in a new process (pgserver caches the server it started in
        # this process and would not notice it died)
        _stack_up(netra, env)
        note("postgres up again")
        _publish(pipeline, thirds[2])
        note("published the last third")

        expected_events = len(truth["valid_event_ids"])
        expected_rejects = len(truth["invalid_events"])
        try:
            _wait(lambda: _landed(pipeline)[0] >= expected_events and _landed(pipeline)[2] >= expected_rejects, 90,
                  f"{expected_events} events and {expected_rejects} rejects to land")
        except AssertionError as stalled:
            raise AssertionError(f"{stalled}; {_missing(pipeline, truth)}") from None
        note("everything landed")
        time.sleep(2)  # anything extra (a duplicate) would land by now

        exited = {key: p.poll() for key, (p, _) in procs.items() if p.poll() is not None}
        assert not exited, f"consumers exited during the outages: {exited}"
    finally:
        for p, _ in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        if _landed(pipeline)[0] < 0:  # leave the session's services up for the tests after this one
            _stack_up(netra, env)
        codes = {}
        for key, (p, log) in procs.items():
            try:
                codes[key] = p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                codes[key] = "killed"
            log.close()

    from netra.warehouse.db import connect

    conn = connect(pipeline)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT event_id::text, count(*) FROM raw.events GROUP BY 1")
            landed = dict(cur.fetchall())
            cur.execute("SELECT event_id, count(*) FROM raw.rejected_events GROUP BY 1")
            rejected = dict(cur.fetchall())
            cur.execute("SELECT event_id, stage, reasons, source_topic FROM raw.rejected_events")
            reject_rows = cur.fetchall()
    finally:
        conn.close()
    assert set(landed) == set(truth["valid_event_ids"]), "nothing lost, nothing extra"
    assert set(landed.values()) == {1}, "nothing stored twice"
    assert sum(rejected.values()) == len(truth["invalid_events"]), f"every reject stored once: {reject_rows}"
    assert {e["event_id"] for e in truth["invalid_events"]} <= set(rejected)
    assert codes == {key: 0 for key in procs}, f"exit codes after SIGTERM: {codes}"
    logs = {key: (tmp_path / f"{key[0]}-{key[1]}.log").read_text() for key in procs}
    assert any('"event": "outage"' in text for text in logs.values()), "the outages were noticed and logged"
    # kafka-python logs the connection resets it handles with their stack; none may come from Netra's code
    ours = re.compile(r'File "[^"]*/(consumers|netra)/')
    assert not [key for key, text in logs.items() if ours.search(text)], "a Netra frame in a consumer log"
    assert any('"event": "recovered"' in text for text in logs.values())
    assert any('"event": "postgres_reconnect"' in logs[("sink", m)] for m in range(MEMBERS))
