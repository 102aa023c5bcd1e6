"""`netra status [--json]`: what an operator checks first — stack, consumers (lag, members, last commit),
DLQ depth, last successful and last failed reconcile, overdue count.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from netra.contracts.topics import STAGE_INPUTS, STAGES
from netra.settings import Settings

Say = Callable[[str], None]


def consumers_status(settings: Settings) -> dict[str, dict]:
    """Per stage: lag (messages its group has not committed), group state and member count.

    A stage with no member is not consuming, whatever its lag says. (The sink's Kafka
    commits trail its Postgres ones, so its lag can read a batch high.)
    """
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    from netra.kafka_auth import ADMIN
    from netra.kafka_io import client_config, make_admin

    admin = make_admin(settings, client_id="netra-status")
    consumer = KafkaConsumer(**client_config(settings, ADMIN), client_id="netra-status")
    try:
        groups = {settings.group_id(stage): stage for stage in STAGES}
        try:
            described = admin.describe_groups(list(groups))
        except KafkaError:
            described = {}
        out: dict[str, dict] = {}
        for group, stage in groups.items():
            info = described.get(group) or {}
            entry = {"group": group, "state": info.get("group_state") or info.get("state"),
                     "members": len(info.get("members") or ()), "lag": None}
            parts = [TopicPartition(t, p) for t in STAGE_INPUTS[stage]
                     for p in (consumer.partitions_for_topic(t) or ())]
            try:
                committed = admin.list_group_offsets({group: None}).get(group, {})
            except KafkaError:  # no group has committed yet on a fresh broker
                committed = {}
            if parts:
                end = consumer.end_offsets(parts)
                entry["lag"] = sum(end[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0
                                              else 0) for tp in parts)
            out[stage] = entry
        return out
    finally:
        consumer.close()
        admin.close()


def retention_status(settings: Settings) -> tuple[bool, str]:
    """Whether the ingress topics and events.dlq are at NETRA_INGRESS_RETENTION_DAYS (ok, one line)."""
    from netra.kafka_io import make_admin
    from netra.retention import retention_line

    admin = make_admin(settings, client_id="netra-status")
    try:
        return retention_line(settings, admin)
    finally:
        admin.close()


def warehouse_status(conn, group_prefix: str = "netra") -> dict:
    """Counts and times from the warehouse for `netra status`."""
    from netra.reconcile.history import last_runs

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
        # the sink commits its offsets in Postgres with every batch: the age of that commit is its heartbeat
        cur.execute("SELECT max(updated_at) FROM raw.consumer_offsets WHERE group_id = %s", (f"{group_prefix}.sink",))
        sink_commit = cur.fetchone()[0]
    return {"events": events, "last_ingest": last_ingest, "dlq_open": dlq_open, "dlq_total": dlq_total,
            "last_as_of": state[0] if state else None, "last_reconcile": state[1] if state else None,
            "sla_days": state[2] if state else None, "overdue": overdue, "recommendations": recommendations,
            "review": review, "out_of_scope": out_of_scope, "sink_last_commit": sink_commit, **last_runs(conn)}


def collect(settings: Settings) -> dict:
    """Everything `netra status` shows, as plain data (None where a service is down)."""
    from netra import stack
    from netra.warehouse.db import connect

    components = stack.status(settings)
    out: dict = {"stack": {c.name: {"running": c.running, "where": c.where, "started_by_netra": c.started_by_netra,
                                    "pid": c.pid} for c in components}}
    up = {c.name: c.running for c in components}
    out["ok"] = bool(up.get("kafka") and up.get("postgres"))
    out["consumers"] = consumers_status(settings) if up.get("kafka") else None
    out["retention_ok"], out["retention"] = retention_status(settings) if up.get("kafka") else (None, None)
    if up.get("postgres"):
        conn = connect(settings)
        try:
            out["warehouse"] = warehouse_status(conn, settings.group_prefix)
        finally:
            conn.close()
        now = datetime.now(UTC)
        commit = out["warehouse"]["sink_last_commit"]
        if out["consumers"] is not None and commit is not None:
            out["consumers"]["sink"]["last_commit_age_s"] = round((now - commit).total_seconds(), 1)
    else:
        out["warehouse"] = None
    return out


def report_json(settings: Settings, say: Say = print) -> int:
    """Print the status as one JSON object; returns 0 when Kafka and Postgres answer, 1 otherwise."""
    data = collect(settings)
    say(json.dumps(data, default=str, sort_keys=True))
    return 0 if data["ok"] else 1


def report(settings: Settings, say: Say = print) -> int:
    """Print the status; returns 0 when the stack answers, 1 otherwise."""
    data = collect(settings)
    for name, c in data["stack"].items():
        say(f"{name:9} {'running' if c['running'] else 'stopped':8} {c['where']}")
    if not data["ok"]:
        say("the stack is not (fully) up: netra stack up")
        return 1
    say("consumer lag: " + ", ".join(f"{st} {'-' if c['lag'] is None else c['lag']}"
                                     for st, c in data["consumers"].items()))
    for stage, c in data["consumers"].items():
        age = c.get("last_commit_age_s")
        say(f"  {stage:9} lag {'-' if c['lag'] is None else c['lag']}, members {c['members']}"
            + (f" ({c['state']})" if c["state"] else "") + (f", last commit {age:.0f}s ago" if age is not None else "")
            + ("  <- not running: netra consume " + stage if not c["members"] else ""))
    w = data["warehouse"]
    say(data["retention"])
    say(f"raw.events: {w['events']} (last landed {w['last_ingest']:%Y-%m-%d %H:%M:%S})" if w["last_ingest"]
        else "raw.events: empty")
    say(f"dead letters: {w['dlq_open']} not replayed of {w['dlq_total']} (netra dlq stats)")
    if w["last_reconcile"]:
        say(f"last reconcile: as of {w['last_as_of']} at {w['last_reconcile']:%Y-%m-%d %H:%M:%S} "
            f"(SLA {w['sla_days']} days)")
    else:
        say("last reconcile: never (netra reconcile)")
    failure = w["last_failure"]
    if failure:
        said = (failure["error"] or "").splitlines()[0][:160]
        say(f"last failed reconcile: {failure['finished_at']:%Y-%m-%d %H:%M:%S} as of {failure['as_of']} "
            f"({failure['triggered_by']}): {said}")
    say(f"overdue recommendations: {w['overdue']} of {w['recommendations']}; review queue: {w['review']}; "
        f"out-of-scope sanctions: {w['out_of_scope']}")
    return 0
