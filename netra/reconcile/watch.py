"""Event-driven reconcile: which Kafka messages should start a reconcile, and waiting until they have landed.

The reconcile DAG's asset watcher (Airflow's Kafka message-queue trigger, see
dags/reconcile_followthrough.py) runs `followthrough_ref` in the triggerer on every
message of the watched ingress topics; what it returns becomes the asset event's
payload. The ingress message is seen before the validator, enricher and sink have
landed it, so the reconcile task first waits (bounded) until each referenced event is
in raw.events, or was refused into raw.rejected_events, and then reconciles.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable

from netra.contracts.events import EVENT_TYPES
from netra.contracts.events import FOLLOWTHROUGH_TOPICS as WATCHED_TOPICS

#: The Airflow connection the watcher's consumer uses (defined by Netra as AIRFLOW_CONN_NETRA_KAFKA).
KAFKA_CONN_ID = "netra_kafka"
#: How long the reconcile task waits for triggering events to land before it reconciles anyway.
LAND_WAIT_S = 60.0


def followthrough_ref(message) -> dict | None:
    """The triggerer's apply_function: {event_id, event_type, topic} of a sanction/recommendation, else None.

    `message` is a confluent_kafka Message. Anything that is not a JSON object with a
    string event_id of a watched type is ignored here (the validator deals with it).
    """
    try:
        event = json.loads(message.value() or b"")
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event_id"), str):
        return None
    event_type = event.get("event_type")
    if event_type not in EVENT_TYPES or EVENT_TYPES[event_type].topic not in WATCHED_TOPICS:
        return None
    return {"event_id": event["event_id"][:100], "event_type": event_type, "topic": message.topic()}


def event_ids_from_asset_events(triggering_asset_events) -> list[str]:
    """The event ids carried by a run's triggering asset events (empty for a scheduled or manual run)."""
    ids: list[str] = []
    for events in (triggering_asset_events or {}).values():
        for event in events:
            payload = (getattr(event, "extra", None) or {}).get("payload")
            if isinstance(payload, dict) and isinstance(payload.get("event_id"), str):
                ids.append(payload["event_id"])
    return sorted(set(ids))


def wait_until_landed(conn, event_ids: Iterable[str], timeout: float = LAND_WAIT_S,
                      say: Callable[[str], None] = lambda _m: None, interval: float = 0.5) -> list[str]:
    """Wait until every event id is in raw.events or raw.rejected_events; returns the ids still missing."""
    missing = sorted(set(event_ids))
    deadline = time.monotonic() + timeout
    while missing:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT event_id::text FROM raw.events WHERE event_id::text = ANY(%(ids)s) "
                        "UNION SELECT event_id FROM raw.rejected_events WHERE event_id = ANY(%(ids)s)",
                        {"ids": missing})
            landed = {r[0] for r in cur.fetchall()}
        missing = [i for i in missing if i not in landed]
        if not missing or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    if missing:
        say(f"{len(missing)} triggering event(s) not landed after {timeout:.0f}s (is the sink running?); "
            "reconciling what has landed")
    return missing


def wait_for_triggering_events(triggering_asset_events, say: Callable[[str], None] = lambda _m: None) -> list[str]:
    """An event-driven run: wait (bounded) until the sanctions/recommendations that triggered it have landed."""
    from netra.settings import load
    from netra.warehouse.db import connect

    ids = event_ids_from_asset_events(triggering_asset_events)
    if not ids:
        return []
    say(f"triggered by {len(ids)} new sanction/recommendation event(s); waiting until they have landed")
    conn = connect(load())
    try:
        return wait_until_landed(conn, ids, say=say)
    finally:
        conn.close()
