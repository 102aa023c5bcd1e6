"""Kafka clients and topics. Clients are created by these functions when called and passed in, never at import."""
from __future__ import annotations

from typing import Callable

from netra.settings import ALL_TOPICS, Settings

Say = Callable[[str], None]


def timeouts(settings: Settings) -> dict:
    """Bootstrap timeout of every client: NETRA_KAFKA_TIMEOUT_S, so a broker that is down is said in seconds."""
    return dict(bootstrap_timeout_ms=settings.kafka_timeout_s * 1000)


def make_admin(settings: Settings, client_id: str = "netra-admin"):
    from kafka import KafkaAdminClient

    return KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id=client_id, **timeouts(settings))


def make_producer(settings: Settings, **overrides):
    from kafka import KafkaProducer

    config = dict(
        **timeouts(settings),
        # how long send() waits for a topic's metadata: a missing topic is said in seconds, not 60
        max_block_ms=settings.kafka_timeout_s * 1000,
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        linger_ms=5,
        retries=5,
        # one request in flight keeps per-partition order across retries
        max_in_flight_requests_per_connection=1,
        max_request_size=1048576,
        client_id="netra",
    )
    config.update(overrides)
    return KafkaProducer(**config)


class DeliveryError(RuntimeError):
    """Some messages were not acknowledged by the broker; nothing downstream may treat them as sent."""

    def __init__(self, failures: list[tuple[int, Exception]]):
        self.failures = failures
        first = failures[0][1]
        super().__init__(f"{len(failures)} message(s) not delivered, first: {type(first).__name__}: {first}")


def await_delivery(producer, futures: list, timeout: float = 60.0) -> None:
    """Flush, then check every send: kafka-python's flush() returns even when a send failed.

    Raises DeliveryError naming the positions (in `futures`) that failed.
    """
    producer.flush(timeout=timeout)
    failures = []
    for i, future in enumerate(futures):
        try:
            future.get(timeout=timeout)
        except Exception as exc:  # KafkaError, or a timeout: either way it was not delivered
            failures.append((i, exc))
    if failures:
        raise DeliveryError(failures)


def make_consumer(settings: Settings, group_id: str, **overrides):
    from kafka import KafkaConsumer

    config = dict(
        **timeouts(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.batch_size,
        fetch_max_bytes=8 * 1024 * 1024,
        max_partition_fetch_bytes=2 * 1024 * 1024,
        client_id=group_id,
    )
    config.update(overrides)
    return KafkaConsumer(**config)


def create_topics(settings: Settings, say: Say = print, topics=ALL_TOPICS) -> list[str]:
    """Create the topics that are missing (idempotent). Returns the names created."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        for t in topics:
            if t in existing:
                say(f"  topic {t}: exists")
        if missing:
            try:
                admin.create_topics(
                    [NewTopic(name=t, num_partitions=settings.topic_partitions, replication_factor=1,
                              topic_configs={"max.message.bytes": "1048588"}) for t in missing]
                )
            except TopicAlreadyExistsError:
                pass  # created concurrently by someone else: that's fine
            for t in missing:
                say(f"  topic {t}: created with {settings.topic_partitions} partitions")
        return missing
    finally:
        admin.close()


def missing_topics(settings: Settings, topics, confirm_s: float = 2.0) -> list[str]:
    """The given topics that do not exist on the broker (raises when the broker is not reachable).

    A broker's metadata can lag a moment behind a create (or a delete), so a topic is only
    called missing when it is still absent after `confirm_s` seconds of asking again.
    """
    import time

    admin = make_admin(settings, client_id="netra-check")
    try:
        deadline = time.monotonic() + confirm_s
        while True:
            existing = set(admin.list_topics())
            missing = sorted(t for t in topics if t not in existing)
            if not missing or time.monotonic() >= deadline:
                return missing
            time.sleep(0.25)
    finally:
        admin.close()
