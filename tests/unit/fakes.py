"""Small fakes of the Kafka clients that record what was done to them (unit tests only)."""
from __future__ import annotations

from collections import namedtuple

Record = namedtuple("Record", "topic partition offset key value headers")


def record(value: bytes, topic: str = "reports.raw", partition: int = 0, offset: int = 0, key=None, headers=()):
    return Record(topic, partition, offset, key, value, list(headers))


class FakeConsumer:
    def __init__(self, batches):
        self.batches = list(batches)
        self.commits = 0
        self.polls = 0

    def poll(self, timeout_ms=0, max_records=None):
        self.polls += 1
        if not self.batches:
            return {}
        batch = self.batches.pop(0)
        return {("t", 0): batch}

    def commit(self):
        self.commits += 1

    def assignment(self):
        return {("t", 0)}


class FakeProducer:
    def __init__(self):
        self.sent = []
        self.flushes = 0

    def send(self, topic, value=None, key=None, headers=None):
        self.sent.append((topic, key, value, headers))

    def flush(self):
        self.flushes += 1
