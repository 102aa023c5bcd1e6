"""Small fakes of the Kafka clients that record what was done to them (unit tests only)."""
from __future__ import annotations


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


class FakeFuture:
    def __init__(self, error: Exception | None = None):
        self.error = error

    def get(self, timeout=None):
        if self.error is not None:
            raise self.error
        return self


class FakeProducer:
    """Records sends; `fail_on` = indexes of sends whose delivery fails (as a broker error would)."""

    def __init__(self, fail_on=()):
        self.sent = []
        self.flushes = 0
        self.fail_on = set(fail_on)

    def send(self, topic, value=None, key=None, headers=None):
        self.sent.append((topic, key, value, headers))
        failed = len(self.sent) - 1 in self.fail_on
        return FakeFuture(ConnectionError("broker gone") if failed else None)

    def flush(self, timeout=None):
        self.flushes += 1
