"""Kafka clients and topics. Clients are created by these functions when called and passed in, never at import."""
from __future__ import annotations

from typing import Callable

from netra.settings import ALL_TOPICS, Settings

Say = Callable[[str], None]


def client_config(settings: Settings) -> dict:
    """What every Kafka client Netra creates shares: where the brokers are (and how to reach them).

    The one place for connection settings, so security options (SASL/TLS) are added once.
    """
    # reconnect at least every second while a broker is away (kafka-python's default backs off to 30 s),
    # so a restarted broker is picked up at once
    return dict(bootstrap_servers=settings.kafka_bootstrap, reconnect_backoff_max_ms=1000)


def make_producer(settings: Settings, **overrides):
    from kafka import KafkaProducer

    config = dict(
        **client_config(settings),
        acks="all",
        linger_ms=5,
        # no retry count: kafka-python retries (idempotently) until delivery_timeout_ms (120 s), so a
        # leader election or a broker restart is ridden out instead of failing the send after ~0.5 s
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


def make_consumer(settings: Settings, group_id: str | None, **overrides):
    """A consumer in `group_id` (None: no group, for reading partitions by hand).

    The session timeout is NETRA_KAFKA_SESSION_TIMEOUT_MS (a dead member's partitions move after
    that long); NETRA_CONSUMER_INSTANCE_ID makes the membership static, so a restarted member
    rejoins with its partitions at once instead of waiting out its old session.
    """
    from kafka import KafkaConsumer

    session_ms = settings.kafka_session_timeout_ms
    config = dict(
        **client_config(settings),
        group_id=group_id,
        session_timeout_ms=session_ms,
        heartbeat_interval_ms=max(100, min(3000, session_ms // 3)),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.batch_size,
        fetch_max_bytes=8 * 1024 * 1024,
        max_partition_fetch_bytes=2 * 1024 * 1024,
        client_id=group_id or "netra-reader",
    )
    if group_id and settings.consumer_instance_id:
        config["group_instance_id"] = f"{group_id}.{settings.consumer_instance_id}"
    config.update(overrides)
    return KafkaConsumer(**config)


def make_admin(settings: Settings, **overrides):
    from kafka import KafkaAdminClient

    config = dict(**client_config(settings), client_id="netra-admin")
    config.update(overrides)
    return KafkaAdminClient(**config)


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
