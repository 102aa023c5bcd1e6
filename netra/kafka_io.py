"""Kafka clients and topics. Clients are created by these functions when called and passed in, never at import."""
from __future__ import annotations

from collections.abc import Callable

from netra.kafka_auth import ADMIN, apply_grants, client_kwargs
from netra.retention import apply_retention, topic_configs
from netra.settings import ALL_TOPICS, Settings

Say = Callable[[str], None]


def timeouts(settings: Settings) -> dict:
    """Bootstrap timeout of every client: NETRA_KAFKA_TIMEOUT_S, so a broker that is down is said in seconds."""
    return dict(bootstrap_timeout_ms=settings.kafka_timeout_s * 1000)


def client_config(settings: Settings, principal: str | None) -> dict:
    """What every Kafka client Netra creates shares: where the brokers are, the login of `principal`
    (netra/kafka_auth.py; None: NETRA_KAFKA_PRINCIPAL) and the timeouts. The one place for connection settings.
    """
    # reconnect at least every second while a broker is away (kafka-python's default backs off to 30 s),
    # so a restarted broker is picked up at once
    return dict(**client_kwargs(settings, principal), **timeouts(settings), reconnect_backoff_max_ms=1000)


def make_admin(settings: Settings, client_id: str = "netra-admin", principal: str | None = ADMIN, **overrides):
    """An admin client, as the `admin` principal unless told otherwise."""
    from kafka import KafkaAdminClient

    config = dict(**client_config(settings, principal), client_id=client_id)
    config.update(overrides)
    return KafkaAdminClient(**config)


def make_producer(settings: Settings, principal: str | None = None, **overrides):
    """A producer acting as `principal` (netra/kafka_auth.py; None: NETRA_KAFKA_PRINCIPAL)."""
    from kafka import KafkaProducer

    from netra import kafka_tuning

    kafka_tuning.warn_if_pure_python_crc()
    kafka_tuning.check_codec(settings.kafka_compression)
    config = dict(
        **client_config(settings, principal),
        # how long send() waits for a topic's metadata: a missing topic is said in seconds, not 60
        max_block_ms=settings.kafka_timeout_s * 1000,
        acks="all",
        # no retry count: kafka-python retries (idempotently) until delivery_timeout_ms (120 s), so a
        # leader election or a broker restart is ridden out instead of failing the send after ~0.5 s
        max_request_size=1048576,
        client_id="netra",
    )
    # linger, batch size, compression, in-flight requests (idempotent, so order holds across retries)
    config.update(kafka_tuning.producer_config(settings))
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


def resume(consumer, *partitions) -> None:
    """`consumer.resume(*partitions)`, dropping what kafka-python kept of them while they were paused.

    kafka-python 3.0.12 (its KAFKA-7548 port, `Fetcher.fetched_records`) parks the rest of a partly returned fetch
    when its partition is paused, and gives it back after the resume only while the fetcher's in-line slot is None.
    Once any fetch has been returned the slot holds a drained, not a None, object, so the parked records are never
    given back, and a partition with records parked is never fetched again: assigned, resumed, behind, and silent
    for good (a sink paused by a rebalance read nothing until its --until-idle gave up). Dropping them loses
    nothing: a position moves only when records are returned, so the next fetch reads them again.
    """
    consumer.resume(*partitions)
    parked = getattr(getattr(consumer, "_fetcher", None), "_paused_partition_records", None)
    if isinstance(parked, dict):
        for tp in partitions:
            records = parked.pop(tp, None)
            if records is not None:
                records.drain()


def make_consumer(settings: Settings, group_id: str | None, principal: str | None = None, **overrides):
    """A consumer in `group_id` (None: no group, for reading partitions by hand), acting as `principal`.

    The session timeout is NETRA_KAFKA_SESSION_TIMEOUT_MS (a dead member's partitions move after
    that long); NETRA_CONSUMER_INSTANCE_ID makes the membership static, so a restarted member
    rejoins with its partitions at once instead of waiting out its old session.
    """
    from kafka import KafkaConsumer

    from netra import kafka_tuning

    kafka_tuning.warn_if_pure_python_crc()
    session_ms = settings.kafka_session_timeout_ms
    config = dict(
        **client_config(settings, principal),
        group_id=group_id,
        session_timeout_ms=session_ms,
        heartbeat_interval_ms=max(100, min(3000, session_ms // 3)),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.batch_size,
        client_id=group_id or "netra-reader",
    )
    # fetch_min_bytes / fetch_max_wait_ms / max_partition_fetch_bytes: full micro-batches
    config.update(kafka_tuning.consumer_config(settings))
    if group_id and settings.consumer_instance_id:
        config["group_instance_id"] = f"{group_id}.{settings.consumer_instance_id}"
    config.update(overrides)
    return KafkaConsumer(**config)


def create_topics(settings: Settings, say: Say = print, topics=ALL_TOPICS,
                  reset_credentials: bool = False) -> list[str]:
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
                              topic_configs={"max.message.bytes": "1048588", **topic_configs(settings, t)})
                     for t in missing]
                )
            except TopicAlreadyExistsError:
                pass  # created concurrently by someone else: that's fine
            for t in missing:
                say(f"  topic {t}: created with {settings.topic_partitions} partitions")
        apply_retention(admin, settings, sorted(existing), say)
        apply_grants(admin, settings, say, reset_credentials=reset_credentials)
        return missing
    finally:
        admin.close()


def missing_topics(settings: Settings, topics, confirm_s: float = 2.0, principal: str | None = ADMIN) -> list[str]:
    """The given topics that do not exist on the broker (raises when the broker is not reachable).

    Asked as `principal`: the broker lists only the topics a principal may describe, so ask about
    the topics that principal uses (a stage: its inputs and outputs).

    A broker's metadata can lag a moment behind a create (or a delete), so a topic is only
    called missing when it is still absent after `confirm_s` seconds of asking again.
    """
    import time

    admin = make_admin(settings, client_id="netra-check", principal=principal)
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
