"""`netra demo`: stack up, migrate, generate a season, publish it, consume until idle, reconcile, summarise."""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import date

Say = Callable[[str], None]
#: Pilkada 2020 ASN sanctioned by PPKs, as KASN published them (DOMAIN.md §4)
KASN_SANCTIONED = {"2022-05-31": 1373, "2023-01-31": 1413, "2024-02-06": 1450}


def _step(say: Say, n: int, total: int, text: str) -> None:
    say(f"\n[{n}/{total}] {text}")


def run_demo(*, seed: int = 2020, scale: float = 1.0, with_airflow: bool = False, say: Say = print) -> int:
    """Run the whole pipeline on a generated season and print the outcome; return an exit code."""
    # The demo makes its own pseudonymisation key under NETRA_HOME unless one is set.
    os.environ.setdefault("NETRA_DEMO_MODE", "true")
    from consumers.run import run_stage
    from expectations.warehouse_audit import audit_marts_in_db
    from netra import settings as settings_mod
    from netra import stack
    from netra.kafka_auth import INGRESS_WRITER
    from netra.kafka_io import create_topics, make_producer
    from netra.reconcile.run import run_reconcile
    from netra.reconcile.summary import summary_table
    from netra.report import funnel_rows
    from netra.warehouse.db import connect, migrate
    from producers.generate import generate_season, summarize
    from producers.publish import publish_lines

    s = settings_mod.load()
    total = 7
    started = time.monotonic()

    _step(say, 1, total, "bringing the local stack up")
    stack.up(s, say, with_airflow=with_airflow)

    _step(say, 2, total, "creating topics and migrating the warehouse")
    create_topics(s, say)
    conn = connect(s, owner=True)
    try:
        migrate(conn, say, pipeline_password=s.pg_pipeline_password)
    finally:
        conn.close()

    _step(say, 3, total, f"generating a synthetic Pilkada 2020 season (seed {seed}, scale {scale})")
    # calibrated: the published KASN figures (DOMAIN.md §4) come out exactly at scale 1
    # ... with NIP typos and missing NIPs in some BKPSDM records, for the fuzzy link step and the review queue
    season = generate_season(s.home / "demo" / f"season-{seed}", seed=seed, scale=scale, sla_days=s.ppk_sla_days,
                             calibrate=True, fuzzy_rate=0.1)
    say(summarize(season))

    _step(say, 4, total, "publishing the season to the ingress topics")
    for topic, path in season.files.items():
        producer = make_producer(s, principal=INGRESS_WRITER[topic])  # each upstream writes its own topic
        try:
            with open(path, "rb") as lines:
                say(f"  as {INGRESS_WRITER[topic]}: " + publish_lines(producer, topic, lines).summary())
        finally:
            producer.close()

    _step(say, 5, total, "running validator, enricher and sink until idle")
    for stage in ("validator", "enricher", "sink"):
        counters = run_stage(stage, s, until_idle=3.0)
        say(f"  {stage:9} consumed {counters.consumed:6}  forwarded {counters.forwarded:6}  "
            f"rejected {counters.rejected:4}  in {counters.batches} batches")

    truth = json.loads(season.ground_truth_path.read_text())
    as_of = date.fromisoformat(truth["as_of"])
    _step(say, 6, total, f"reconciling recommendations with sanctions as of {as_of}")
    result = run_reconcile(as_of, say, auditor=audit_marts_in_db, publish_alerts=True)
    conn = connect(s)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM raw.events")
            landed = cur.fetchone()[0]
            cur.execute("SELECT split_part(reasons[1], ':', 1), count(*) FROM raw.rejected_events "
                        "GROUP BY 1 ORDER BY 2 DESC, 1")
            rejects = cur.fetchall()
            cur.execute("SELECT recommendation_id, status FROM mart.followthrough")
            statuses = dict(cur.fetchall())
            funnel = funnel_rows(cur)
            as_of_figures = []
            for day, published in KASN_SANCTIONED.items():
                cur.execute("SELECT sum(sanctioned) FROM mart.followthrough_as_of(%s)", (day,))
                as_of_figures.append((day, cur.fetchone()[0], published))
        _step(say, 7, total, "follow-through summary")
        say(summary_table(conn))
        say("\nsanctioned as of (mart.followthrough_as_of) vs KASN's published figure: " + ", ".join(
            f"{day} {got} ({published:,})" for day, got, published in as_of_figures))
        say("funnel (mart.funnel): " + "; ".join(
            f"{e}: reported {a} -> registered {b} -> proven {c} -> recommended {d} -> sanctioned {f}"
            for e, a, b, c, d, f in funnel))
    finally:
        conn.close()

    expected = {k: v["status"] for k, v in truth["recommendations"].items()}
    matching = sum(1 for k, v in expected.items() if statuses.get(k) == v)
    say(f"review queue: {result.review} pairs (ground truth: {len(truth['review_pairs'])}); unlinked sanctions: "
        f"{result.unlinked_sanctions} (ground truth: {len(truth['unlinked_sanctions'])}); out of scope (reason names "
        f"another offence): {result.out_of_scope} (ground truth: {len(truth['out_of_scope_sanctions'])})")
    say(f"\nraw.events: {landed} events landed (distinct valid events generated: {len(truth['valid_event_ids'])})")
    say("rejected (first reason): " + (", ".join(f"{r} {n}" for r, n in rejects) or "none"))
    say("links: " + ", ".join(f"{k} {v}" for k, v in sorted(result.by_link_method.items()))
        + f"; review queue {result.review}; unlinked sanctions {result.unlinked_sanctions}")
    if result.data_docs:
        say(f"Data Docs of the mart checkpoint: {result.data_docs}")
    say(f"ground truth: {matching}/{len(expected)} recommendation statuses match")
    say(f"\ndone in {time.monotonic() - started:.0f}s. Query the marts as an analyst: `netra db create-analyst NAME`, "
        f"then psql \"{s.analyst_dsn('NAME')}\" -c 'SELECT * FROM mart.followthrough_summary LIMIT 5'")
    say("stop the stack with: netra stack down")
    return 0 if matching == len(expected) else 1
