"""Event-driven reconcile latency: publish one sanction, time until mart.followthrough shows it.

Needs the stack with Airflow (`netra stack up --with-airflow`), `netra db migrate`, `netra topics
create`, the three consumers running (`netra consume validator|enricher|sink`) and a season landed
without the held-out sanctions (`--prepare` does that). Each round publishes one held-out
new `sanction.imposed` for a recommendation that is overdue or pending (a fresh event id and
sanction id, the recommendation's NIP, `recommendation_ref` set) to sanctions.raw and polls
mart.followthrough every 0.25 s until that recommendation shows the new sanction.
Prints one line per round and the median / min / max. See BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
import uuid
from pathlib import Path

from netra import settings
from netra.kafka_auth import INGRESS_WRITER
from netra.kafka_io import await_delivery, make_producer
from netra.warehouse.db import connect


def held_out(season: Path, n: int) -> list[dict]:
    """Return the first `n` sanctions of the season that follow a recommendation."""
    sanctions = [json.loads(line) for line in (season / "sanctions.raw.jsonl").read_text().splitlines()]
    return [e for e in sanctions if e["event_type"] == "sanction.imposed" and e["payload"]["recommendation_ref"]][:n]


def new_sanction(conn, template: dict, i: int) -> dict | None:
    """A sanction.imposed for an open recommendation, or None when every one is sanctioned."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT f.recommendation_id, r.nip, r.ppk_agency, r.issued_on FROM mart.followthrough f "
                    "JOIN core.recommendations r USING (recommendation_id) "
                    "WHERE f.status IN ('overdue', 'pending') ORDER BY f.recommendation_id LIMIT 1")
        row = cur.fetchone()
    if row is None:
        return None
    rec_id, nip, agency, issued_on = row
    event = copy.deepcopy(template)
    tag = uuid.uuid4().hex[:8]
    event["event_id"] = str(uuid.uuid4())
    decree = issued_on.isoformat()
    event["occurred_at"] = decree + "T10:00:00+07:00"
    event["payload"].update(sanction_id=f"800/{tag}/BENCH/{i}", nip=nip, agency=agency, recommendation_ref=rec_id,
                            decree_date=decree, effective_from=decree, effective_to=None)
    return event


def publish(s, topic: str, events: list[dict]) -> None:
    """Publish the events to `topic` and wait until they are delivered."""
    from netra.contracts.events import key_for

    producer = make_producer(s, principal=INGRESS_WRITER[topic])  # as that topic's upstream would
    try:
        await_delivery(producer, [producer.send(topic, value=json.dumps(e).encode(), key=key_for(e)) for e in events])
    finally:
        producer.close()


def main() -> int:
    """Prepare the season, or run the rounds and print their latencies."""
    p = argparse.ArgumentParser()
    p.add_argument("--season", type=Path, required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--prepare", action="store_true", help="publish the season without the held-out sanctions")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--pause", type=float, default=20, help="seconds between rounds")
    args = p.parse_args()
    s = settings.load()
    holdouts = held_out(args.season, args.rounds)
    if args.prepare:
        skip = {e["event_id"] for e in holdouts}
        for topic in ("reports.raw", "recommendations.raw", "sanctions.raw"):
            events = [json.loads(x) for x in (args.season / f"{topic}.jsonl").read_text().splitlines()]
            publish(s, topic, [e for e in events if e["event_id"] not in skip])
        print(f"published the season without {len(skip)} held-out sanctions")
        return 0
    conn = connect(s)
    template = next(e for e in map(json.loads, (args.season / "sanctions.raw.jsonl").read_text().splitlines())
                    if e["event_type"] == "sanction.imposed")
    latencies = []
    for i in range(1, args.rounds + 1):
        event = new_sanction(conn, template, i)
        if event is None:
            print("no open recommendation left to sanction")
            break
        sanction_id, rec_id = event["payload"]["sanction_id"], event["payload"]["recommendation_ref"]
        started = time.monotonic()
        publish(s, "sanctions.raw", [event])
        while True:
            with conn, conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM mart.followthrough WHERE recommendation_id = %s AND sanction_id = %s",
                            (rec_id, sanction_id))
                if cur.fetchone()[0]:
                    break
            if time.monotonic() - started > args.timeout:
                print(f"round {i}: {sanction_id} not in mart.followthrough after {args.timeout:.0f}s")
                return 1
            time.sleep(0.25)
        latencies.append(time.monotonic() - started)
        print(f"round {i}: {sanction_id} for {rec_id} in mart.followthrough after {latencies[-1]:.1f}s", flush=True)
        time.sleep(args.pause)  # let the run finish, so each round starts from an idle DAG
    print(f"median {statistics.median(latencies):.1f}s, min {min(latencies):.1f}s, max {max(latencies):.1f}s "
          f"over {len(latencies)} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
