"""alerts.overdue: each newly overdue recommendation is published once, with a deterministic event id.

Upstream systems (BKN, Kemendagri, the PPK's BKPSDM) consume the topic to chase the
PPK. The id is uuid5(NETRA_ALERTS, recommendation_id), so a re-run, or a crash between
publishing and recording, never produces a second, different notice; core.overdue_alerts
records what was published so the next run only sends new ones.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

from netra.contracts.codec import encode_event
from netra.contracts.events import OUTBOUND_EVENT_TYPES
from netra.kafka_io import await_delivery
from netra.settings import TOPIC_ALERTS
from netra.warehouse.sql import statement

NETRA_ALERTS = uuid.UUID("6f1e2c1a-9a43-5c5e-8d0e-6e6574726100")  # fixed namespace of alert ids
WIB = timezone(timedelta(hours=7))


def alert_event_id(recommendation_id: str) -> str:
    """The stable event id of the overdue alert for one recommendation."""
    return str(uuid.uuid5(NETRA_ALERTS, f"recommendation.overdue:{recommendation_id}"))


def overdue_event(row: dict, as_of: date, sla_days: int) -> dict:
    """The alert for one mart.followthrough row, validated against the outbound contract."""
    event = {
        "event_id": alert_event_id(row["recommendation_id"]),
        "event_type": "recommendation.overdue",
        "schema_version": 1,
        "source": "netra",
        # end of the business day it was found overdue on: deterministic for a given as-of date
        "occurred_at": datetime.combine(as_of, time(23, 59, 59), WIB).isoformat(),
        "payload": {
            "recommendation_id": row["recommendation_id"], "report_id": row["report_id"],
            "ppk_agency": row["ppk_agency"], "recommended_level": row["recommended_level"],
            "issued_on": row["issued_on"].isoformat(), "as_of": as_of.isoformat(),
            "days_since_issued": (as_of - row["issued_on"]).days, "sla_days": sla_days,
            "election_id": row["election_id"], "region_code": row["region_code"],
        },
    }
    return OUTBOUND_EVENT_TYPES["recommendation.overdue"].model.model_validate(event).model_dump(mode="json")


def publish_overdue_alerts(conn, producer, as_of: date, sla_days: int) -> int:
    """Publish the overdue recommendations not alerted before; returns how many were sent."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(8241003)")
        cur.execute(statement("alerts/newly_overdue"))
        cols = [d.name for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        events = [overdue_event(r, as_of, sla_days) for r in rows]
        futures = [producer.send(TOPIC_ALERTS, key=e["payload"]["recommendation_id"].encode(),
                                 value=encode_event(e))
                   for e in events]
        await_delivery(producer, futures)  # recorded only once the broker acknowledged every one
        for e in events:
            cur.execute(statement("alerts/record_sent"), {"recommendation_id": e["payload"]["recommendation_id"],
                                                          "event_id": e["event_id"], "as_of": as_of})
    return len(events)


def publish_for_run(as_of: str, say=print) -> int:
    """What the DAG's alert task calls: settings -> producer -> publish (as of the reconcile's day)."""
    from netra.kafka_io import make_producer
    from netra.settings import load
    from netra.warehouse.db import connect

    s = load()
    conn = connect(s)
    producer = make_producer(s, principal="alerts")
    try:
        sent = publish_overdue_alerts(conn, producer, date.fromisoformat(as_of), s.ppk_sla_days)
    finally:
        producer.close()
        conn.close()
    say(f"{sent} newly overdue recommendation(s) published to {TOPIC_ALERTS}")
    return sent
