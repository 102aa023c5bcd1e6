"""Integration fixtures: every test gets freshly created topics and its own consumer groups."""
from __future__ import annotations

import itertools
import os
import time

import pytest

from netra.settings import ALL_TOPICS

_counter = itertools.count()


def _recreate_topics(settings) -> None:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError, UnknownTopicOrPartitionError

    from netra.kafka_io import create_topics

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="netra-tests")
    try:
        existing = [t for t in admin.list_topics() if t in ALL_TOPICS]
        if existing:
            try:
                admin.delete_topics(existing)
            except UnknownTopicOrPartitionError:
                pass
        deadline = time.monotonic() + 30
        while any(t in ALL_TOPICS for t in admin.list_topics()):
            if time.monotonic() > deadline:
                raise TimeoutError("topics were not deleted within 30s")
            time.sleep(0.2)
    finally:
        admin.close()
    deadline = time.monotonic() + 30
    while True:  # deletion is asynchronous in KRaft: retry until the names are free again
        try:
            create_topics(settings, lambda _m: None)
            return
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture
def pipeline(stack_settings, db, monkeypatch):
    """Settings for one test: empty topics, empty warehouse, consumer groups of its own."""
    from netra import settings

    _recreate_topics(stack_settings)
    monkeypatch.setenv("NETRA_GROUP_PREFIX", f"test{next(_counter)}-{os.getpid()}")
    return settings.load()


@pytest.fixture
def run_stages():
    """Run consumer stages one after another, each until idle; returns their counters by name."""
    from consumers.loop import StopFlag
    from consumers.run import run_stage

    def run(settings, stages=("validator", "enricher", "sink"), until_idle: float = 2.0) -> dict:
        return {name: run_stage(name, settings, until_idle=until_idle, stop=StopFlag(install=False))
                for name in stages}

    return run


@pytest.fixture
def publish_files():
    """Publish {topic: path} JSONL files the way `netra publish` does; returns the number sent."""
    from netra.kafka_io import make_producer
    from producers.publish import publish_lines

    def publish(settings, files: dict) -> int:
        producer = make_producer(settings)
        sent = 0
        try:
            for topic, path in files.items():
                with open(path, "rb") as lines:
                    sent += publish_lines(producer, topic, lines).sent
        finally:
            producer.close()
        return sent

    return publish
