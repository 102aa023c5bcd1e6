"""The one consumer loop every stage shares: poll a micro-batch -> pure stage -> I/O -> commit.

A stage only supplies its pure part (`process(records) -> Outcome`); the loop owns
polling, batching, graceful shutdown on SIGTERM/SIGINT, `--until-idle`, counters and
offset commits. Offsets are committed only after the stage's output is durable (every
produced message acknowledged by the broker, or the sink's transaction committed).

With a `Patience` (consumers.resilience), polling and writing ride out a broker or Postgres
outage (retry with backoff, one log line each way) instead of exiting, and a failed Kafka
offset commit is logged, not fatal: the output is already durable, the next commit covers
the batch, and a re-delivery after a crash is stored once by the sink.
"""
from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from consumers.resilience import Patience, Stopped

log = logging.getLogger("netra.consumer")
#: With --until-idle, how much longer than the idle time to wait for a partition assignment.
ASSIGNMENT_WAIT_S = 60.0
#: With --until-idle, how much longer to wait for records the broker has but no fetch has returned yet.
BEHIND_WAIT_S = 15.0


@dataclass(frozen=True)
class Outgoing:
    """One message to produce."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Outcome:
    """What a stage made of one batch: what goes on (messages, or the sink's rows) and what was refused."""

    forward: list = field(default_factory=list)
    rejected: list = field(default_factory=list)


class Stage(Protocol):
    """What the consumer loop needs of a stage."""

    name: str
    input_topics: Sequence[str]

    def process(self, records: Sequence) -> Outcome:
        """Turn a batch of records into the messages to forward and to reject."""
        ...


@dataclass
class Counters:
    """Running counts of the consumer loop."""

    batches: int = 0
    consumed: int = 0
    forwarded: int = 0
    rejected: int = 0
    stats: dict = field(default_factory=dict)  # stage-specific counts, e.g. the enricher's unmatched agencies

    def as_dict(self) -> dict:
        """Return the counts and the stage-specific stats as one flat dict."""
        return {**{k: v for k, v in self.__dict__.items() if k != "stats"}, **self.stats}


class KafkaEmitter:
    """Produces an Outcome to Kafka and waits until the broker acknowledged every message.

    A failed send raises (netra.kafka_io.DeliveryError), so the loop does not commit the
    batch and it is processed again after a restart (the sink stores each event once).
    """

    def __init__(self, producer):
        self.producer = producer

    def __call__(self, records: Sequence, outcome: Outcome) -> None:
        """Send the outcome's messages and wait until the broker acknowledged all of them."""
        from netra.kafka_io import await_delivery

        futures = [self.producer.send(msg.topic, value=msg.value, key=msg.key, headers=list(msg.headers))
                   for msg in list(outcome.forward) + list(outcome.rejected)]
        await_delivery(self.producer, futures)


class StopFlag:
    """Set by SIGTERM/SIGINT; the loop finishes the batch in hand, commits and exits."""

    def __init__(self, install: bool = True):
        self.stopped = False
        if install:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)

    def _stop(self, signum, frame) -> None:
        log.info(json.dumps({"event": "shutdown_requested", "signal": signum}))
        self.stopped = True

    def __bool__(self) -> bool:
        return self.stopped


def run(
    consumer,
    stage: Stage,
    emit: Callable[[Sequence, Outcome], None],
    *,
    batch_wait_ms: int,
    batch_size: int,
    until_idle: float | None = None,
    stop: StopFlag | None = None,
    commit_to_kafka: bool = True,
    patience: Patience | None = None,
    metrics=None,
) -> Counters:
    """Run `stage` until stopped, or until no message arrived for `until_idle` seconds."""
    stop = stop if stop is not None else StopFlag()
    counters = Counters()
    last_message = waiting_since = time.monotonic()
    assigned = False
    step = _steps(patience)
    try:
        while not stop:
            polled = step("poll Kafka", consumer.poll, timeout_ms=batch_wait_ms, max_records=batch_size)
            records = [r for part in polled.values() for r in part]
            if not records:
                if not consumer.assignment():
                    # joining the group or rebalancing: not idle yet (but do not wait for ever)
                    if assigned:
                        assigned, waiting_since = False, time.monotonic()
                    if until_idle is not None and time.monotonic() - waiting_since >= until_idle + ASSIGNMENT_WAIT_S:
                        log.warning(json.dumps({"event": "no_assignment", "stage": stage.name,
                                                "waited_s": until_idle + ASSIGNMENT_WAIT_S}))
                        break
                    continue
                if not assigned:  # the idle clock (re)starts when partitions are assigned
                    assigned, last_message = True, time.monotonic()
                if until_idle is not None and time.monotonic() - last_message >= until_idle:
                    # records are there but the fetch is slow (a loaded machine): not idle yet, for a while
                    if time.monotonic() - last_message < until_idle + BEHIND_WAIT_S and _behind(consumer):
                        continue
                    log.info(json.dumps({"event": "idle_exit", "stage": stage.name, "idle_s": until_idle}))
                    break
                continue
            assigned = True
            last_message = started = time.monotonic()
            outcome = stage.process(records)
            step(f"write the {stage.name} output", emit, records, outcome)
            if commit_to_kafka:
                _commit(consumer, stage, tolerate=patience is not None)
            counters.batches += 1
            counters.consumed += len(records)
            counters.forwarded += len(outcome.forward)
            counters.rejected += len(outcome.rejected)
            if metrics is not None:  # netra.metrics.StageMetrics
                metrics.batch(consumer, len(records), len(outcome.forward), len(outcome.rejected),
                              time.monotonic() - started)
            log.info(json.dumps({"event": "batch", "stage": stage.name, "size": len(records),
                                 "forwarded": len(outcome.forward), "rejected": len(outcome.rejected)}))
    except Stopped as waiting:  # SIGTERM during an outage: the batch in hand is re-delivered after a restart
        log.info(json.dumps({"event": "stopped_while_waiting", "stage": stage.name, "step": str(waiting)}))
    finally:
        counters.stats = dict(getattr(stage, "stats", {}))
        log.info(json.dumps({"event": "stopped", "stage": stage.name, **counters.as_dict()}))
    return counters



def _behind(consumer) -> bool:
    """True when an assigned partition has records past the consumer's position (asked of the broker).

    `--until-idle` means "caught up and nothing new for S seconds", not "no fetch answered for S
    seconds": on a loaded machine the first fetch after an assignment can take longer than S. The
    loop waits for that at most BEHIND_WAIT_S longer, so a partition that never delivers cannot
    keep an --until-idle run going for ever.
    """
    try:
        paused = set(consumer.paused()) if hasattr(consumer, "paused") else set()
        parts = [tp for tp in consumer.assignment() if tp not in paused]  # a paused one is not fetched
        if not parts:
            return False
        ends = consumer.end_offsets(parts)
        return any(consumer.position(tp) < end for tp, end in ends.items())
    except Exception:  # noqa: BLE001 - a failed lookup never keeps a stage running: idle as before
        return False


def _steps(patience: Patience | None) -> Callable:
    """How the loop calls Kafka and the writer: directly, or retried through `patience`."""
    if patience is None:
        return lambda _step, fn, *args, **kwargs: fn(*args, **kwargs)
    return patience.run


def _commit(consumer, stage: Stage, *, tolerate: bool) -> None:
    try:
        consumer.commit()
    except Exception as exc:
        if not tolerate:
            raise
        from consumers.resilience import describe

        log.warning(json.dumps({"event": "commit_failed", "stage": stage.name, "error": describe(exc),
                                "effect": "the batch is durable; the next commit covers it"}))
