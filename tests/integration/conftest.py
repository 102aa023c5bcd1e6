"""Integration fixtures: every test gets freshly created topics and its own consumer groups."""
from __future__ import annotations

import itertools
import os

import pytest

from support import recreate_topics

_counter = itertools.count()


@pytest.fixture
def pipeline(stack_settings, db, monkeypatch):
    """Settings for one test: empty topics, empty warehouse, consumer groups of its own."""
    from netra import settings

    monkeypatch.setenv("NETRA_GROUP_PREFIX", f"test{next(_counter)}-{os.getpid()}")
    s = settings.load()
    recreate_topics(s)  # also grants each stage principal this test's consumer group
    return s


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
        from netra.kafka_auth import INGRESS_WRITER

        sent = 0
        for topic, path in files.items():
            producer = make_producer(settings, principal=INGRESS_WRITER[topic])  # as each upstream would
            try:
                with open(path, "rb") as lines:
                    sent += publish_lines(producer, topic, lines).sent
            finally:
                producer.close()
        return sent

    return publish
