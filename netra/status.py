"""`netra status`: what an operator checks first — stack, consumer lag, DLQ depth, last reconcile, overdue."""
from __future__ import annotations

from typing import Callable

from consumers.run import STAGES
from netra.settings import Settings

Say = Callable[[str], None]


def stage_inputs() -> dict[str, tuple[str, ...]]:
    from consumers.enricher import Enricher
    from consumers.sink import Sink
    from consumers.validator import Validator

    return {"validator": tuple(Validator.input_topics), "enricher": tuple(Enricher.input_topics),
            "sink": tuple(Sink.input_topics)}


def consumer_lag(settings: Settings) -> dict[str, int | None]:
    """Messages each stage's group has not committed yet (the sink's Kafka commits trail its Postgres ones)."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    from netra.kafka_auth import ADMIN, client_kwargs

    admin = KafkaAdminClient(**client_kwargs(settings, ADMIN), client_id="netra-status")
    consumer = KafkaConsumer(**client_kwargs(settings, ADMIN), client_id="netra-status")
    try:
        lag: dict[str, int | None] = {}
        for stage in STAGES:
            parts = [TopicPartition(t, p) for t in stage_inputs()[stage]
                     for p in (consumer.partitions_for_topic(t) or ())]
            group = settings.group_id(stage)
            try:
                committed = admin.list_group_offsets({group: None}).get(group, {})
            except KafkaError:  # no group has committed yet on a fresh broker
                committed = {}
            if not parts:
                lag[stage] = None
                continue
            end = consumer.end_offsets(parts)
            lag[stage] = sum(end[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                             for tp in parts)
        return lag
    finally:
        consumer.close()
        admin.close()


def retention_status(settings: Settings) -> tuple[bool, str]:
    """Are the ingress topics and events.dlq at NETRA_INGRESS_RETENTION_DAYS? (ok, one line)"""
    from kafka import KafkaAdminClient

    from netra.kafka_auth import ADMIN, client_kwargs
    from netra.retention import retention_line

    admin = KafkaAdminClient(**client_kwargs(settings, ADMIN), client_id="netra-status")
    try:
        return retention_line(settings, admin)
    finally:
        admin.close()


def warehouse_status(conn) -> dict:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), max(ingested_at) FROM raw.events")
        events, last_ingest = cur.fetchone()
        cur.execute("SELECT count(*) FILTER (WHERE replayed_at IS NULL), count(*) FROM raw.rejected_events")
        dlq_open, dlq_total = cur.fetchone()
        cur.execute("SELECT last_as_of, updated_at, sla_days FROM core.reconcile_state WHERE id = 1")
        state = cur.fetchone()
        cur.execute("SELECT count(*) FILTER (WHERE status = 'overdue'), count(*) FROM mart.followthrough")
        overdue, recommendations = cur.fetchone()
        cur.execute("SELECT (SELECT count(*) FROM mart.review_queue), "
                    "(SELECT coalesce(sum(sanctions), 0) FROM mart.out_of_scope_sanctions)")
        review, out_of_scope = cur.fetchone()
    return {"events": events, "last_ingest": last_ingest, "dlq_open": dlq_open, "dlq_total": dlq_total,
            "last_as_of": state[0] if state else None, "last_reconcile": state[1] if state else None,
            "sla_days": state[2] if state else None, "overdue": overdue, "recommendations": recommendations,
            "review": review, "out_of_scope": out_of_scope}


def report(settings: Settings, say: Say = print) -> int:
    """Print the status; returns 0 when the stack answers, 1 otherwise."""
    from netra import stack
    from netra.warehouse.db import connect

    ok = True
    for c in stack.status(settings):
        say(f"{c.name:9} {'running' if c.running else 'stopped':8} {c.where}")
        ok &= c.running or c.name == "airflow"
    if not ok:
        say("the stack is not (fully) up: netra stack up")
        return 1
    lag = consumer_lag(settings)
    say("consumer lag: " + ", ".join(f"{s} {'-' if n is None else n}" for s, n in lag.items()))
    say(retention_status(settings)[1])
    w = warehouse_status(connect(settings))
    say(f"raw.events: {w['events']} (last landed {w['last_ingest']:%Y-%m-%d %H:%M:%S})" if w["last_ingest"]
        else "raw.events: empty")
    say(f"dead letters: {w['dlq_open']} not replayed of {w['dlq_total']} (netra dlq stats)")
    if w["last_reconcile"]:
        say(f"last reconcile: as of {w['last_as_of']} at {w['last_reconcile']:%Y-%m-%d %H:%M:%S} "
            f"(SLA {w['sla_days']} days)")
    else:
        say("last reconcile: never (netra reconcile)")
    say(f"overdue recommendations: {w['overdue']} of {w['recommendations']}; review queue: {w['review']}; "
        f"out-of-scope sanctions: {w['out_of_scope']}")
    return 0
