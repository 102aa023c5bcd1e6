"""A partition paused while part of a fetch was still buffered is read to its end after the resume (real broker).

kafka-python 3.0.12 parks such records and never gives them back once another partition's fetch has been returned,
and then never fetches the partition again (netra.kafka_io.resume says how). A sink whose partitions a rebalance
paused (consumers.run.OnAssignment) sat assigned, resumed and behind, and read nothing.
"""
from __future__ import annotations

import time
import uuid

from kafka import TopicPartition
from kafka.admin import NewTopic

from netra.kafka_io import make_admin, make_consumer, make_producer, resume

RECORDS = 200


def _topic(settings) -> str:
    name = f"test.paused.{uuid.uuid4().hex[:8]}"
    admin = make_admin(settings)
    try:
        admin.create_topics([NewTopic(name, 2, 1)])
    finally:
        admin.close()
    producer = make_producer(settings, principal="admin")
    try:
        for partition in (0, 1):
            for i in range(RECORDS):
                producer.send(name, value=f"{partition}-{i}".encode(), partition=partition)
        producer.flush()
    finally:
        producer.close()
    return name


def _read(consumer, got: dict, seconds: float) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until and sum(got.values()) < 2 * RECORDS:
        for tp, records in consumer.poll(timeout_ms=200, max_records=10).items():
            got[tp] += len(records)


def test_a_partition_paused_with_buffered_records_is_read_to_its_end_after_resume(stack_settings):
    topic = _topic(stack_settings)
    a, b = TopicPartition(topic, 0), TopicPartition(topic, 1)
    consumer = make_consumer(stack_settings, None, principal="admin", max_poll_records=10)
    try:
        consumer.assign([a, b])
        consumer.seek_to_beginning(a, b)
        got = {a: 0, b: 0}
        # read until A has returned some records and holds the rest of its fetch in line
        deadline = time.monotonic() + 30
        while not (got[a] and getattr(consumer._fetcher._next_partition_records, "topic_partition", None) == a):
            assert time.monotonic() < deadline, f"A never came first with records left over: {got}"
            for tp, records in consumer.poll(timeout_ms=200, max_records=10).items():
                got[tp] += len(records)
        consumer.pause(a)
        _read(consumer, got, 3)  # A's rest is parked while B's fetches take the in-line slot
        assert got[b] > 0 and a in consumer._fetcher._paused_partition_records, "the case kafka-python gets wrong"

        resume(consumer, a)
        _read(consumer, got, 30)
        assert got == {a: RECORDS, b: RECORDS}, "every record of both partitions, none twice"
        assert consumer.position(a) == RECORDS
    finally:
        consumer.close()
