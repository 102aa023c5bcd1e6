"""Wire a stage to real clients: `netra consume validator|enricher|sink [--until-idle S]`."""
from __future__ import annotations

from consumers.loop import Counters, KafkaEmitter, StopFlag, run
from netra.settings import Settings

STAGES = ("validator", "enricher", "sink")


def run_stage(name: str, settings: Settings, until_idle: float | None = None,
              stop: StopFlag | None = None, metrics=None) -> Counters:
    """`metrics`: a netra.metrics.StageMetrics the loop updates after every batch (None: no metrics)."""
    from netra.kafka_io import make_consumer, make_producer

    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; choose one of {', '.join(STAGES)}")
    group_id = settings.group_id(name)
    consumer = make_consumer(settings, group_id, principal=name)  # each stage is its own Kafka principal
    loop_args = dict(batch_wait_ms=settings.batch_wait_ms, batch_size=settings.batch_size,
                     until_idle=until_idle, stop=stop, metrics=metrics)
    try:
        if name == "sink":
            from consumers.sink import PostgresWriter, Sink, seek_listener
            from netra.warehouse.db import connect

            from netra.rejects import RejectsPublisher

            conn = connect(settings)
            producer = make_producer(settings, principal=name, client_id=f"{group_id}.rejects")
            try:
                writer = PostgresWriter(conn, group_id, publish_rejects=RejectsPublisher(producer))
                stage = Sink(secret=settings.hmac_key)
                _know_partitions(consumer, stage.input_topics)
                consumer.subscribe(list(stage.input_topics), listener=seek_listener(consumer, writer))
                return run(consumer, stage, writer, **loop_args)
            finally:
                producer.close()
                conn.close()
        if name == "validator":
            from consumers.validator import Validator

            stage = Validator(max_message_bytes=settings.max_message_bytes)
            _warm_start(stage, settings)
        else:
            from consumers.enricher import Enricher

            stage = Enricher(secret=settings.hmac_key)
        producer = make_producer(settings, principal=name)
        try:
            _know_partitions(consumer, stage.input_topics)
            consumer.subscribe(list(stage.input_topics))
            return run(consumer, stage, KafkaEmitter(producer), **loop_args)
        finally:
            producer.flush()
            producer.close()
    finally:
        consumer.close()


def _know_partitions(consumer, topics) -> None:
    """Fetch the input topics' metadata before joining the group: a member that leads the group's first
    assignment without it assigns nothing ("No partition metadata") and, until the next periodic metadata refresh
    (5 min), stays idle. SASL handshakes on a loaded machine made that race visible."""
    for topic in topics:
        consumer.partitions_for_topic(topic)


def _warm_start(validator, settings: Settings) -> None:
    """Load the reports already landed, so decisions after a restart are still checked against them."""
    import logging

    from netra.warehouse.db import connect

    log = logging.getLogger("netra.validator")
    try:
        conn = connect(settings)
    except Exception as exc:  # the validator works without the warehouse; the rule is then skipped
        log.warning("no warehouse for the report index (%s); proven-NIP checks start empty", exc)
        return
    try:
        log.info("report index warm start: %d reports", validator.reports.load(conn))
    except Exception as exc:
        log.warning("report index warm start failed (%s); proven-NIP checks start empty", exc)
    finally:
        conn.close()
