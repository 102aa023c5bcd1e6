"""OnAssignment (consumers/run.py): newly assigned partitions wait, paused, for their preparation; none stays paused."""
from __future__ import annotations

from collections import namedtuple

from consumers.run import OnAssignment

TP = namedtuple("TP", "topic partition")


class PausingConsumer:
    """Just the assignment and pause state of a KafkaConsumer."""

    def __init__(self, assigned):
        self.assigned = set(assigned)
        self.paused_set: set = set()

    def assignment(self):
        return set(self.assigned)

    def pause(self, *parts):
        self.paused_set |= set(parts)

    def resume(self, *parts):
        self.paused_set -= set(parts)

    def paused(self):
        return set(self.paused_set)

    def poll(self, **kwargs):
        return {}


def test_a_new_assignment_is_prepared_then_resumed():
    tp = TP("events.enriched", 0)
    consumer = PausingConsumer([tp])
    prepared = []
    on = OnAssignment(consumer, ["events.enriched"], prepared.append)
    on.listener().on_partitions_assigned([tp])
    assert consumer.paused() == {tp} and on.assignment() == set(), "paused and not counted until prepared"
    on.poll(timeout_ms=1)
    assert prepared == [[tp]] and consumer.paused() == set() and on.pending == set()


def test_a_partition_left_paused_but_not_pending_is_prepared_again():
    tp = TP("events.enriched", 1)
    consumer = PausingConsumer([tp])
    prepared = []
    on = OnAssignment(consumer, ["events.enriched"], prepared.append)
    consumer.pause(tp)  # as a rebalance race could leave it: paused, assigned, not pending
    on.poll(timeout_ms=1)
    assert prepared == [[tp]], "prepared before it is read (the sink's seek, the validator's index)"
    assert consumer.paused() == set(), "and then read"


def test_partitions_revoked_by_a_rebalance_under_way_are_neither_counted_nor_prepared():
    tp = TP("events.enriched", 2)
    consumer = PausingConsumer([tp])
    prepared = []
    on = OnAssignment(consumer, ["events.enriched"], prepared.append)
    listener = on.listener()
    listener.on_partitions_assigned([tp])
    on.poll(timeout_ms=1)
    on.assignment()  # the one empty answer right after a preparation
    assert on.assignment() == {tp}
    consumer.pause(tp)  # as when revoked before its preparation: the eager protocol keeps the paused flag
    listener.on_partitions_revoked([tp])  # eager: still in the assignment until the rebalance completes
    assert on.assignment() == set(), "a rebalance under way is not idle time for --until-idle"
    on.poll(timeout_ms=1)
    assert prepared == [[tp]], "a partition being revoked is not prepared again"
    listener.on_partitions_assigned([tp])
    on.poll(timeout_ms=1)
    assert prepared == [[tp], [tp]] and consumer.paused() == set()
    on.assignment()  # the one empty answer right after a preparation
    assert on.assignment() == {tp}, "counted again once the rebalance completed and the partition was prepared"
