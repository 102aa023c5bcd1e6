"""End to end on real services: publish a season to Kafka, then time validator, enricher and sink.

    python bench/bench_pipeline.py [--scale 1.0] [--batch-size 500] [--repeat 1]

Starts Kafka (KRaft) and the embedded Postgres with `bench/_stack.py`'s `Stack`, the way
tests/conftest.py does: a temporary NETRA_HOME, free ports, NETRA_HMAC_KEY set, Postgres up
and migrated, Kafka up, topics created; both are stopped (and the folder removed) when the
run ends. Each repeat uses a fresh stack.

The stages run one after the other (not concurrently) with
`consumers.run.run_stage(name, settings, until_idle=2.0, stop=StopFlag(install=False))`,
so each stage has the machine to itself and its rate is its own. Reported per stage:
wall time, wall minus the idle wait (`--until-idle`), messages/s over that, and a
"steady" rate from the consumer loop's own batch log lines (first to last batch, so
group join, warm start and the one-off GX suite build are left out).
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Stack, git_head, machine, quiet, say  # noqa: E402  (puts the repo on sys.path, GX analytics off)

STAGES = ("validator", "enricher", "sink")


class BatchLog(logging.Handler):
    """Collects (monotonic time, size) of the consumer loop's `batch` log lines."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.batches: list[tuple[float, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Record the time and size of a `batch` log line."""
        try:
            msg = json.loads(record.getMessage())
        except ValueError:
            return
        if msg.get("event") == "batch":
            self.batches.append((time.monotonic(), msg["size"]))


def one_run(args, run_no: int) -> dict:
    """Run the pipeline once on a fresh stack (`_stack.Stack`: temp home, free ports) and return its figures."""
    from netra.kafka_io import make_producer

    env = {"NETRA_BATCH_SIZE": str(args.batch_size), "NETRA_BATCH_WAIT_MS": str(args.batch_wait_ms)}
    with Stack(partitions=args.partitions, env=env) as stack:
        s = stack.settings
        result: dict = {"run": run_no, "stack_up_s": stack.up_s}
        say(f"[run {run_no}] stack up in {result['stack_up_s']:.1f}s (Kafka {s.kafka_bootstrap})")

        from producers.generate import generate_season
        from producers.publish import publish_lines

        season = generate_season(stack.home / "season", scale=args.scale)
        producer = make_producer(s)
        try:
            sent, t = 0, time.monotonic()
            for topic, path in season.files.items():
                with open(path, "rb") as f:
                    sent += publish_lines(producer, topic, f).sent
            result["publish"] = {"messages": sent, "seconds": time.monotonic() - t}
        finally:
            producer.close()
        say(f"[run {run_no}] published {sent} in {result['publish']['seconds']:.2f}s")

        from consumers.loop import StopFlag
        from consumers.run import run_stage

        handler = BatchLog()
        log = logging.getLogger("netra.consumer")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
        stages = {}
        for name in STAGES:
            handler.batches.clear()
            t0 = time.monotonic()
            counters = run_stage(name, s, until_idle=args.until_idle, stop=StopFlag(install=False))
            wall = time.monotonic() - t0
            b = list(handler.batches)
            steady = None
            if len(b) >= 3:
                # messages after the first batch over the time from the first batch's end to the last's
                steady = sum(n for _, n in b[1:]) / (b[-1][0] - b[0][0])
            busy = wall - args.until_idle
            stages[name] = {**counters.as_dict(), "wall_s": wall, "busy_s": busy,
                            "rate": counters.consumed / busy if busy > 0 else None, "steady_rate": steady,
                            "first_batch_s": (b[0][0] - t0) if b else None,
                            "mean_batch": statistics.mean(n for _, n in b) if b else 0}
            say(f"[run {run_no}] {name}: {counters.consumed} in {wall:.1f}s wall "
                f"({stages[name]['rate'] or 0:,.0f}/s excl. idle, steady {steady or 0:,.0f}/s, "
                f"{counters.batches} batches)")
        log.removeHandler(handler)
        result["stages"] = stages

        conn = stack.connect()
        try:
            with conn, conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM raw.events")
                events = cur.fetchone()[0]
                cur.execute("SELECT count(*) FROM raw.rejected_events")
                rejects = cur.fetchone()[0]
        finally:
            conn.close()
        sink = stages["sink"]
        result["rows"] = {"events": events, "rejects": rejects,
                          "rows_per_s": (events + rejects) / sink["busy_s"],
                          "steady_rows_per_s": ((events + rejects) * sink["steady_rate"] / sink["consumed"])
                          if sink["steady_rate"] and sink["consumed"] else None}
        result["expected"] = season.counts
        result["io"] = io_probe(s, args, run_no)
    return result


def io_probe(s, args, run_no: int) -> dict:
    """The I/O each stage does, isolated: Kafka fetch, produce+flush per batch (KafkaEmitter), sink transaction.

    Runs after the stages, on the same stack: reads events.enriched back with a fresh group,
    re-produces those messages to a scratch topic, and lands their rows again with
    PostgresWriter into emptied raw tables (batch size as configured, then 2000).
    """
    from consumers.loop import KafkaEmitter, Outgoing
    from consumers.sink import PostgresWriter, Sink
    from netra.kafka_io import create_topics, make_consumer, make_producer
    from netra.settings import TOPIC_ENRICHED
    from netra.warehouse.db import connect

    out: dict = {}
    consumer = make_consumer(s, f"bench.probe.{run_no}")
    try:
        consumer.subscribe([TOPIC_ENRICHED])
        records, first, last, idle_since = [], None, None, time.monotonic()
        while time.monotonic() - idle_since < 2.0:
            polled = consumer.poll(timeout_ms=200, max_records=args.batch_size)
            got = [r for part in polled.values() for r in part]
            if got:
                first = first or time.monotonic()
                records.extend(got)
                last = idle_since = time.monotonic()
    finally:
        consumer.close()
    # first poll's wait is not counted; the records of that poll are (slight over-estimate)
    out["consume"] = {"messages": len(records),
                      "rate": len(records) / (last - first) if last and last > first else None}

    create_topics(s, quiet, topics=("bench.scratch",))
    producer = make_producer(s)
    try:
        emit = KafkaEmitter(producer)
        batches = [records[i:i + args.batch_size] for i in range(0, len(records), args.batch_size)]
        from consumers.loop import Outcome

        outcomes = [Outcome(forward=[Outgoing("bench.scratch", r.value, r.key, tuple(r.headers)) for r in b])
                    for b in batches]
        t = time.monotonic()
        for b, o in zip(batches, outcomes):
            emit(b, o)
        out["emit"] = {"messages": len(records), "rate": len(records) / (time.monotonic() - t)}
        # the same again by hand, to split send() (client-side batching) from flush() (waiting for acks)
        send = flush = 0.0
        for o in outcomes:
            t0 = time.monotonic()
            for msg in o.forward:
                producer.send(msg.topic, value=msg.value, key=msg.key, headers=list(msg.headers))
            t1 = time.monotonic()
            producer.flush()
            send, flush = send + t1 - t0, flush + time.monotonic() - t1
        out["emit"].update(send_us=send / len(records) * 1e6, flush_us=flush / len(records) * 1e6)
    finally:
        producer.close()

    sink = Sink(secret=s.hmac_key)
    conn = connect(s)
    try:
        out["db_write"] = {}
        for size in dict.fromkeys((args.batch_size, 2000)):
            with conn, conn.cursor() as cur:
                cur.execute("TRUNCATE raw.events, raw.rejected_events, raw.consumer_offsets")
            writer = PostgresWriter(conn, f"bench.probe.{run_no}")
            batches = [records[i:i + size] for i in range(0, len(records), size)]
            outcomes = [sink.process(b) for b in batches]
            t = time.monotonic()
            for b, o in zip(batches, outcomes):
                writer(b, o)
            seconds = time.monotonic() - t
            out["db_write"][size] = {"rows": writer.inserted_events, "rate": len(records) / seconds}
    finally:
        conn.close()
    say(f"[run {run_no}] io: consume {out['consume']['rate'] or 0:,.0f}/s, emit {out['emit']['rate']:,.0f}/s, "
        + ", ".join(f"db write @{k} {v['rate']:,.0f} rows/s" for k, v in out["db_write"].items()))
    return out


def med(values):
    """Return the median of the values that are not None (None when there are none)."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """Format the spread of the values that are not None."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return "-"
    m = statistics.median(values)
    return f"±{(max(values) - min(values)) / 2 / m * 100:.0f}%"


def report(args, runs: list[dict]) -> str:
    """Render the runs as a Markdown report."""
    head = git_head()

    out = [f"Scale {args.scale} ({runs[0]['publish']['messages']:,} messages), batch size {args.batch_size}, "
           f"batch wait {args.batch_wait_ms} ms, {args.partitions} partitions, until-idle {args.until_idle} s; "
           f"{len(runs)} run(s), each on a fresh stack, median shown (spread = half the min-max range).  ",
           f"Machine: {machine()} (at the end). Code: HEAD {head} at the end of the run.", "",
           "| Step | Messages | Wall s | Wall − idle s | msg/s (wall − idle) | Spread "
           "| msg/s steady (first→last batch) "
           "| Batches (mean size) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    pub = [r["publish"]["messages"] / r["publish"]["seconds"] for r in runs]
    out.append(f"| publish (`publish_lines`, acks=all) | {runs[0]['publish']['messages']:,} | "
               f"{med([r['publish']['seconds'] for r in runs]):.2f} | - | {med(pub):,.0f} | {spread(pub)} | - | - |")
    for name in STAGES:
        st = [r["stages"][name] for r in runs]
        rates = [x["rate"] for x in st]
        steady = [x["steady_rate"] for x in st]
        label = {"validator": "validator (→ events.valid / events.dlq)", "enricher": "enricher (→ events.enriched)",
                 "sink": "sink (→ raw.events / raw.rejected_events)"}[name]
        out.append(f"| {label} | {st[0]['consumed']:,} | {med([x['wall_s'] for x in st]):.2f} | "
                   f"{med([x['busy_s'] for x in st]):.2f} | {med(rates):,.0f} | {spread(rates)} | "
                   f"{med(steady) or 0:,.0f} | {st[0]['batches']} ({st[0]['mean_batch']:.0f}) |")
    rows = [r["rows"] for r in runs]
    out.append("")
    out.append(f"Sink landed {rows[0]['events']:,} rows in raw.events and {rows[0]['rejects']:,} in "
               f"raw.rejected_events (season: {runs[0]['expected']['invalid']} invalid, "
               f"{runs[0]['expected']['duplicates']} duplicates): "
               f"**{med([x['rows_per_s'] for x in rows]):,.0f} rows/s** "
               f"wall − idle, {med([x['steady_rows_per_s'] for x in rows]) or 0:,.0f} rows/s steady.  ")
    unmatched = [r["stages"]["enricher"].get("agency_unmatched") for r in runs]
    if unmatched[0] is not None:
        out.append(f"Enricher: {unmatched[0]:,} agency names without a canonical id (counter `agency_unmatched`).  ")
    out.append("Time to first batch (group join, warm start, first GX suite build): "
               + ", ".join(f"{n} {med([r['stages'][n]['first_batch_s'] for r in runs]) or 0:.2f} s" for n in STAGES)
               + f". Stack start (Postgres + migrate + Kafka + topics): {med([r['stack_up_s'] for r in runs]):.1f} s.")
    io = [r["io"] for r in runs]
    out.append("")
    out.append("Isolated I/O on the same stack (after the stages; `events.enriched` read back with a fresh group):")
    out.append("")
    out.append("| I/O step | Batch | Median rate | Spread |")
    out.append("|---|---:|---:|---:|")
    c = [x["consume"]["rate"] for x in io]
    out.append(f"| Kafka fetch (`KafkaConsumer.poll`, max_records = batch) | {args.batch_size} "
               f"| {med(c) or 0:,.0f} msg/s "
               f"| {spread(c)} |")
    e = [x["emit"]["rate"] for x in io]
    out.append(f"| Kafka produce + flush per batch (`KafkaEmitter`, acks=all) | {args.batch_size} "
               f"| {med(e):,.0f} msg/s "
               f"| {spread(e)} |")
    out.append(f"| ↳ split (second pass): `send()` {med([x['emit']['send_us'] for x in io]):.0f} µs/msg, "
               f"`flush()` {med([x['emit']['flush_us'] for x in io]):.0f} µs/msg | {args.batch_size} | - | - |")
    for size in io[0]["db_write"]:
        w = [x["db_write"][size]["rate"] for x in io]
        out.append(f"| Postgres transaction (`PostgresWriter`: COPY temp + conflict check + INSERT … ON CONFLICT + "
                   f"offsets) | {size} | {med(w):,.0f} rows/s | {spread(w)} |")
    return "\n".join(out)


def main(argv=None) -> int:
    """Parse the command line, run the pipeline benchmark and print the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="season scale (1.0 = ~6,200 messages)")
    p.add_argument("--batch-size", type=int, default=500, help="NETRA_BATCH_SIZE (default as in settings)")
    p.add_argument("--batch-wait-ms", type=int, default=500, help="NETRA_BATCH_WAIT_MS (default as in settings)")
    p.add_argument("--partitions", type=int, default=3, help="NETRA_TOPIC_PARTITIONS")
    p.add_argument("--until-idle", type=float, default=2.0, help="idle seconds before a stage exits")
    p.add_argument("--repeat", type=int, default=1, help="full runs, each on a fresh stack; medians reported")
    p.add_argument("--json", help="also write the raw numbers here")
    args = p.parse_args(argv)

    runs = [one_run(args, i + 1) for i in range(args.repeat)]
    print(report(args, runs))
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
