"""Wire a stage to real clients: `netra consume validator|enricher|sink [--until-idle S]`.

Every client is created, and every read of the warehouse made, through a `Patience`, so a
stage started while Kafka or PostgreSQL is down waits for it (one log line) instead of
exiting, and one running through a restart of either carries on.
"""
from __future__ import annotations

import json
import logging
import threading
import time

from consumers.loop import Counters, KafkaEmitter, Stage, StopFlag, run
from consumers.resilience import Patience
from netra.contracts.topics import STAGES, TOPIC_REPORTS
from netra.kafka_io import resume
from netra.settings import Settings

log = logging.getLogger("netra.consumer")


def run_stage(name: str, settings: Settings, until_idle: float | None = None,
              stop: StopFlag | None = None, metrics=None) -> Counters:
    """Run one stage until stopped (or idle); returns its counters.

    `metrics`: a netra.metrics.StageMetrics the loop updates after every batch (None: no metrics).
    Each stage is its own Kafka principal (netra/kafka_auth.py).
    """
    from netra.kafka_io import make_consumer, make_producer

    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; choose one of {', '.join(STAGES)}")
    stop = stop if stop is not None else StopFlag()
    patience = Patience(give_up_s=settings.outage_give_up_s, stop=stop)
    group_id = settings.group_id(name)
    loop_args = dict(batch_wait_ms=settings.batch_wait_ms, batch_size=settings.batch_size,
                     until_idle=until_idle, stop=stop, patience=patience, metrics=metrics)
    if name == "sink":
        return _run_sink(settings, group_id, patience, loop_args)
    stage: Stage
    if name == "validator":
        from consumers.validator import Validator

        stage = Validator(max_message_bytes=settings.max_message_bytes)
        _warm_start(stage, settings, patience)
    else:
        from consumers.enricher import Enricher

        stage = Enricher(secret=settings.hmac_key)
    consumer = patience.run("connect to Kafka", make_consumer, settings, group_id, principal=name)
    try:
        producer = patience.run("connect to Kafka", make_producer, settings, principal=name)
        try:
            if name == "validator":
                polled = OnAssignment(consumer, (TOPIC_REPORTS,),
                                      lambda parts: replay_report_index(consumer, stage, settings, parts))
                _know_partitions(consumer, stage.input_topics)
                consumer.subscribe(list(stage.input_topics), listener=polled.listener())
            else:
                polled = consumer
                _know_partitions(consumer, stage.input_topics)
                consumer.subscribe(list(stage.input_topics))
            return run(polled, stage, KafkaEmitter(producer), **loop_args)
        finally:
            producer.flush()
            producer.close()
    finally:
        consumer.close()


def _run_sink(settings: Settings, group_id: str, patience: Patience, loop_args: dict) -> Counters:
    from consumers.sink import PostgresWriter, Sink, seek_to_stored
    from netra.kafka_io import make_consumer, make_producer
    from netra.rejects import RejectsPublisher
    from netra.warehouse.db import connect

    def reconnect():
        return connect(settings, connect_timeout=5)

    # each sender's own rejects go to rejects.<source domain>, acknowledged before the batch commits
    producer = patience.run("connect to Kafka", make_producer, settings, principal="sink",
                            client_id=f"{group_id}.rejects")
    writer = PostgresWriter(patience.run("connect to PostgreSQL", reconnect), group_id, reconnect=reconnect,
                            publish_rejects=RejectsPublisher(producer))
    try:
        consumer = patience.run("connect to Kafka", make_consumer, settings, group_id, principal="sink")
        try:
            stage = Sink(secret=settings.hmac_key)
            polled = OnAssignment(consumer, stage.input_topics, lambda parts: seek_to_stored(consumer, writer, parts))
            _know_partitions(consumer, stage.input_topics)
            consumer.subscribe(list(stage.input_topics), listener=polled.listener())
            return run(polled, stage, writer, **loop_args)
        finally:
            consumer.close()
    finally:
        writer.close()
        producer.close()


def _know_partitions(consumer, topics) -> None:
    """Fetch the input topics' metadata before joining the group: a member that leads the group's first
    assignment without it assigns nothing ("No partition metadata") and, until the next periodic metadata refresh
    (5 min), stays idle. SASL handshakes on a loaded machine made that race visible.
    """
    for topic in topics:
        consumer.partitions_for_topic(topic)


def _warm_start(validator, settings: Settings, patience: Patience) -> None:
    """Load the reports already landed, so decisions after a restart are still checked against them.

    Waits for the warehouse: starting with an empty index would let a decision whose report
    landed long ago pass unchecked.
    """
    from netra.warehouse.db import connect

    def load() -> int:
        conn = connect(settings, connect_timeout=5)
        try:
            return validator.reports.load(conn)
        finally:
            conn.close()

    log.info("report index warm start: %d reports landed", patience.run("load the report index", load))


class OnAssignment:
    """A consumer whose newly assigned partitions (of `topics`) stay paused until `prepare(partitions)` ran.

    `prepare` runs in the polling thread before the next poll, where it may block and where the
    loop's Patience retries it through an outage (kafka-python runs rebalance listeners on its
    IO thread, where blocking calls are not allowed and would stall heartbeats).
    """

    def __init__(self, consumer, topics, prepare):
        self._consumer = consumer
        self._topics = set(topics)
        self._prepare = prepare
        self.pending: set = set()
        self._just_prepared = False
        # the listener runs on kafka-python's IO thread, poll() on the loop's: both change `pending`
        self._lock = threading.Lock()
        self._assigned_since: set = set()  # partitions the listener (re)assigned since poll() took its snapshot
        # revoked, and still in the assignment until the rebalance completes (kafka-python's eager protocol keeps
        # them there, unfetchable, between the revocation and the new assignment)
        self._revoked: set = set()

    def __getattr__(self, name):
        return getattr(self._consumer, name)

    def assignment(self):
        """Empty while partitions wait for `prepare`, and once right after it, so --until-idle does not
        count the preparation (a replay, a seek) as idle time; empty too while a rebalance that revoked
        partitions is still under way (they are not fetched until it completes, however long it takes).
        """
        assigned = self._consumer.assignment()
        if self.pending or self._just_prepared or (self._revoked & set(assigned)):
            self._just_prepared = False
            return set()
        return assigned

    def listener(self):
        """Return a rebalance listener that pauses newly assigned partitions until they are prepared."""
        from kafka import ConsumerRebalanceListener

        outer = self

        class _PauseUntilPrepared(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                with outer._lock:
                    outer.pending -= set(revoked)
                    outer._revoked |= set(revoked)

            def on_partitions_assigned(self, assigned):
                new = [tp for tp in assigned if tp.topic in outer._topics]
                with outer._lock:
                    outer._revoked = set()  # the rebalance is complete: the assignment is the new one
                    if new:
                        outer._consumer.pause(*new)
                        outer.pending |= set(new)
                        outer._assigned_since |= set(new)

        return _PauseUntilPrepared()

    def poll(self, **kwargs):
        """Prepare and resume the pending partitions, then poll the consumer."""
        with self._lock:
            # Nothing else in Netra pauses a partition: an assigned one that is paused but not pending
            # (a rebalance race left it so) is prepared again rather than left unread for good. One
            # revoked by a rebalance still under way is not: the new assignment pauses it again if it stays.
            stuck = (set(self._consumer.paused()) & set(self._consumer.assignment())) - self.pending - self._revoked
            if stuck:
                log.warning(json.dumps({"event": "paused_partitions_prepared_again",
                                        "partitions": sorted(f"{tp.topic}-{tp.partition}" for tp in stuck)}))
                self.pending |= stuck
            todo = set(self.pending)
            self._assigned_since = set()
        if todo:
            parts = [tp for tp in todo if tp in self._consumer.assignment()]
            if parts:
                self._prepare(parts)
            with self._lock:
                # a partition (re)assigned while `prepare` ran was paused again by the listener and stays
                # pending for the next poll; clearing it here would leave it paused for good
                again = (self.pending - todo) | (self.pending & self._assigned_since)
                resume(self._consumer, *[tp for tp in parts if tp not in again])
                self.pending = again
                self._just_prepared = bool(parts)
        return self._consumer.poll(**kwargs)


def replay_report_index(consumer, validator, settings: Settings, parts) -> None:
    """Read the filings of reports.raw `parts` up to the group's committed offsets into the report index.

    A filing this group already validated but that has not landed yet (still on events.valid or
    events.enriched when the previous owner stopped) is then known again, so the decision that
    follows it is checked exactly as it would have been without the restart or rebalance; what
    has landed, the warm start loaded. Reads what the topic keeps, from its beginning.
    """
    from netra.kafka_io import make_consumer

    todo = {}
    for tp in parts:
        end = consumer.committed(tp)
        if end:
            todo[tp] = end
    seen = 0
    if todo:
        reader = make_consumer(settings, None, principal="validator", enable_auto_commit=False)
        try:
            reader.assign(list(todo))
            reader.seek_to_beginning(*todo)
            deadline = time.monotonic() + 120
            while todo:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"reports.raw could not be read up to the committed offsets {todo}")
                for tp, records in reader.poll(timeout_ms=1000, max_records=5000).items():
                    seen += validator.catch_up([r for r in records if r.offset < todo.get(tp, 0)])
                for tp in [tp for tp in todo if reader.position(tp) >= todo[tp]]:
                    del todo[tp]
        finally:
            reader.close()
    log.info("report index caught up: %d filings replayed from reports.raw partitions %s", seen,
             sorted(tp.partition for tp in parts))
