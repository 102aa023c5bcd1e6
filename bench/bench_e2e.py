"""End to end on one stack: the three stages as concurrent processes against a no-op over the same hops.

    python bench/bench_e2e.py [--copies 8] [--rounds 3] [--freshness-rate 1000 --freshness-s 60]

Long because: one experiment, and the no-op hop it measures the stages against is this same
script run as a child (`hop`), so the two sides of every ratio are read in one place.

One stack (embedded Postgres + Kafka, temp NETRA_HOME) for the whole invocation. A season
(scale 1.0) is replicated `--copies` times with fresh event ids (~6.2k messages a copy)
and published once to the ingress topics. Then, for `--rounds` rounds, each in a rotated
order, three pipelines read the same ingress messages with fresh consumer groups:

- **stages**: `netra consume validator|enricher|sink` as three concurrent processes (as deployed);
- **no-op**: three processes of the same consumer loop with the same client settings
  (`netra.kafka_io.make_consumer/make_producer`, NETRA_BATCH_SIZE/NETRA_BATCH_WAIT_MS) whose
  stage does nothing: consume -> produce -> consume -> produce -> consume -> COPY raw bytes
  into a table, offsets committed after the COPY's transaction;
- **ceiling**: the same no-op with the best kafka-python settings found for this machine
  (`CEILING` below: bigger batches and fetches), i.e. what the client can do here.

Throughput is the landing rate in Postgres between 10 % and 90 % of the rows (polled every
50 ms), so process start, GX import and the drain are left out the same way for all three;
the wall time from process start to the last row is printed too. Ratios are taken pair
by pair within a round (same minute, same load). Peak RSS is each process's ru_maxrss.

Freshness: the three stages run while the bench publishes fresh events (new event ids) at
a fixed rate; each event's latency is publish -> its row first seen in raw.events (polled
every 100 ms, so figures are up to 0.1 s pessimistic). `--profile DIR` runs each stage
under py-spy during the first stages round and writes flame-graph input files there.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import REPO, Stack, git_head, py_spy, quiet, say  # noqa: E402

PY = sys.executable
NETRA = str(Path(PY).parent / "netra")
NOOP_TOPICS = ("bench.noop.1", "bench.noop.2")
NOOP_TABLE = "public.bench_noop_rows"
#: The client's ceiling: settings that made the no-op fastest here (bigger batches, fetches and requests).
CEILING = json.loads(os.environ["BENCH_CEILING"]) if os.environ.get("BENCH_CEILING") else {
    "batch_size": 10000,
    "consumer": dict(max_poll_records=10000, fetch_min_bytes=1 << 20, fetch_max_wait_ms=200,
                     max_partition_fetch_bytes=8 << 20, fetch_max_bytes=32 << 20),
    "producer": dict(linger_ms=50, batch_size=1 << 20, max_request_size=1 << 20),
}
MODES = ("stages", "noop", "ceiling")


# ---------------------------------------------------------------- the no-op hop (a subprocess)


class NoOp:
    """Forwards every record as it is: what a stage costs when it does nothing."""

    def __init__(self, name, input_topics, output):
        self.name, self.input_topics, self.output = name, input_topics, output

    def process(self, records):
        """Forward each record unchanged to the output topic."""
        from consumers.loop import Outcome, Outgoing

        return Outcome(forward=[Outgoing(self.output, r.value, r.key, tuple(r.headers or ())) for r in records])


class CopyRaw:
    """The no-op sink: COPY the raw bytes into one table, one transaction per batch."""

    def __init__(self, conn):
        self.conn = conn

    def __call__(self, records, outcome) -> None:
        """COPY the batch's raw record values into the no-op table in one transaction."""
        import io

        buf = io.BytesIO()
        for r in records:
            buf.write(b"\\\\x" + r.value.hex().encode() + b"\n")
        buf.seek(0)
        with self.conn, self.conn.cursor() as cur:
            cur.copy_expert(f"COPY {NOOP_TABLE} (value) FROM STDIN", buf)


def hop_main(args) -> int:
    """Run one stage (or no-op hop) of the end-to-end benchmark as a consumer loop."""
    from consumers.loop import KafkaEmitter, StopFlag, run
    from netra import settings as settings_mod
    from netra.commands import configure_logging
    from netra.kafka_io import make_consumer, make_producer
    from netra.settings import INGRESS_TOPICS
    from netra.warehouse.db import connect

    s = settings_mod.load()
    configure_logging(s.log_level)
    ceiling = args.ceiling
    batch = CEILING["batch_size"] if ceiling else s.batch_size
    consumer = make_consumer(s, args.group, **(CEILING["consumer"] if ceiling else {}))
    inputs = list(INGRESS_TOPICS) if args.hop == 1 else [NOOP_TOPICS[args.hop - 2]]
    consumer.subscribe(inputs)
    loop = dict(batch_wait_ms=s.batch_wait_ms, batch_size=batch, stop=StopFlag())
    try:
        if args.hop == 3:
            conn = connect(s)
            try:
                run(consumer, NoOp("noop3", inputs, None), CopyRaw(conn), **loop)
            finally:
                conn.close()
        else:
            producer = make_producer(s, **(CEILING["producer"] if ceiling else {}))
            try:
                run(consumer, NoOp(f"noop{args.hop}", inputs, NOOP_TOPICS[args.hop - 1]), KafkaEmitter(producer),
                    **loop)
            finally:
                producer.close()
    finally:
        consumer.close()
    return 0


# ---------------------------------------------------------------- the parent


def publish_season(stack, copies: int) -> tuple[int, int, list[tuple[str, bytes]]]:
    """Publish `copies` copies of a season with fresh event ids. Returns (messages, distinct ids, lines)."""
    from netra.kafka_io import make_producer
    from producers.generate import generate_season
    from producers.publish import publish_lines

    season = generate_season(stack.home / "season", scale=1.0)
    lines: list[tuple[str, bytes]] = []
    ids = set()
    for copy in range(copies):
        for topic, path in season.files.items():
            for raw in path.read_bytes().splitlines():
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue  # publish refuses lines that are not JSON
                if isinstance(obj, dict) and isinstance(obj.get("event_id"), str):
                    # the same original id gets the same new id within a copy: exact duplicates stay duplicates
                    obj["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{copy}/{obj['event_id']}"))
                    ids.add(obj["event_id"])
                    raw = json.dumps(obj, ensure_ascii=False).encode()
                else:
                    ids.add(f"{copy}/{len(lines)}")  # no usable id: lands once as a reject
                lines.append((topic, raw))
    producer = make_producer(stack.settings)
    t = time.monotonic()
    try:
        by_topic: dict[str, list[bytes]] = {}
        for topic, raw in lines:
            by_topic.setdefault(topic, []).append(raw)
        sent = sum(publish_lines(producer, topic, raws, skip_invalid=True).sent for topic, raws in by_topic.items())
    finally:
        producer.close()
    say(f"published {sent:,} messages ({copies} copies) in {time.monotonic() - t:.1f}s")
    return sent, len(ids), lines


def recreate_topics(stack, topics) -> None:
    """Delete and create again the given Kafka topics."""
    from kafka.errors import UnknownTopicOrPartitionError

    from netra.kafka_io import create_topics, make_admin

    admin = make_admin(stack.settings, client_id="bench-admin")
    try:
        try:
            admin.delete_topics(list(topics))
        except UnknownTopicOrPartitionError:
            pass
        for _ in range(100):
            if not set(topics) & set(admin.list_topics()):
                break
            time.sleep(0.1)
    finally:
        admin.close()
    for _ in range(50):
        try:
            create_topics(stack.settings, quiet, topics=tuple(topics))
            return
        except Exception:  # still being deleted
            time.sleep(0.2)
    raise RuntimeError(f"could not recreate {topics}")


def reset(stack, mode: str) -> None:
    """Empty the topics and tables a run of `mode` uses."""
    mode = base_mode(mode)
    from netra.settings import TOPIC_DLQ, TOPIC_ENRICHED, TOPIC_VALID

    conn = stack.connect(owner=True)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {NOOP_TABLE} (value bytea NOT NULL)")
            cur.execute(f"GRANT INSERT ON {NOOP_TABLE} TO netra_pipeline")  # the no-op sink logs in as the sink does
            cur.execute(f"TRUNCATE raw.events, raw.rejected_events, raw.consumer_offsets, {NOOP_TABLE}")
    finally:
        conn.close()
    recreate_topics(stack, (TOPIC_VALID, TOPIC_ENRICHED, TOPIC_DLQ) if mode == "stages" else NOOP_TOPICS)


def count_sql(mode: str) -> str:
    """Return the SQL that counts the rows landed by a run of `mode`."""
    if base_mode(mode) == "stages":
        return "SELECT (SELECT count(*) FROM raw.events) + (SELECT count(*) FROM raw.rejected_events)"
    return f"SELECT count(*) FROM {NOOP_TABLE}"


#: --variant NAME:VAR=VALUE,...: extra pipelines, "stages" or "noop" run with other NETRA_* settings
VARIANTS: dict[str, tuple[str, dict]] = {}


def base_mode(mode: str) -> str:
    """Return the base mode a variant runs as (a plain mode is its own base)."""
    return VARIANTS[mode][0] if mode in VARIANTS else mode


def spawn(stack, mode: str, group_prefix: str, profile_dir: Path | None = None) -> dict[str, subprocess.Popen]:
    """Start the processes for `mode` and return them by name."""
    stack.grant_groups(group_prefix)  # the stages' principals may use only the groups their ACLs name
    env = dict(os.environ, NETRA_GROUP_PREFIX=group_prefix, PYTHONUNBUFFERED="1", NETRA_LOG_LEVEL="INFO")
    if mode in VARIANTS:
        mode, extra = VARIANTS[mode]
        env.update(extra)
    procs = {}
    names = ("validator", "enricher", "sink") if mode == "stages" else ("hop1", "hop2", "hop3")
    for i, name in enumerate(names):
        if mode == "stages":
            cmd = [NETRA, "consume", name]
        else:
            cmd = [PY, __file__, "hop", str(i + 1), "--group", f"{group_prefix}.{name}"]
            if mode == "ceiling":
                cmd.append("--ceiling")
        if profile_dir is not None:
            cmd = [py_spy(), "record", "-r", "50", "-f", "raw", "--nonblocking",
                   "-o", str(profile_dir / f"{name}.txt"), "--"] + cmd
        procs[name] = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                       stderr=open(Path(os.environ["NETRA_HOME"]) / f"{group_prefix}.{name}.log", "wb"))
    return procs


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _stage_pid(p: subprocess.Popen) -> int:
    """The stage's own pid: the child when it runs under py-spy."""
    if Path(p.args[0]).name == "py-spy":
        kids = _children(p.pid)
        return kids[0] if kids else p.pid
    return p.pid


def _hwm_mib(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MiB; NaN when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


CPU: dict[str, float] = {}  # CPU seconds per process of the last stop()


def stop(procs: dict[str, subprocess.Popen]) -> dict[str, float]:
    """Peak RSS (VmHWM, MiB) of each stage process, then SIGTERM (it finishes its batch and exits).

    VmHWM rather than the rusage of wait4: a forked child's ru_maxrss starts from the parent's.
    Under py-spy the stage is py-spy's child: it is the one measured and signalled, and py-spy
    writes its profile when the stage exits.
    """
    rss, targets = {}, {}
    CPU.clear()
    for name, p in procs.items():
        target = _stage_pid(p)
        targets[name] = target
        rss[name] = _hwm_mib(target)
        CPU[name] = _cpu_s(target)
    for name in procs:
        try:
            os.kill(targets[name], 15)
        except ProcessLookupError:
            pass
    for p in procs.values():
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return rss


def batch_sizes(group_prefix: str, names) -> dict[str, tuple[int, float]]:
    """(batches, mean size) per process, from the consumer loop's `batch` log lines."""
    out = {}
    for name in names:
        sizes = []
        path = Path(os.environ["NETRA_HOME"]) / f"{group_prefix}.{name}.log"
        for line in path.read_text(errors="replace").splitlines():
            start = line.find('{"event": "batch"')
            if start >= 0:
                try:
                    sizes.append(json.loads(line[start:])["size"])
                except (ValueError, KeyError):
                    pass
        out[name] = (len(sizes), statistics.mean(sizes) if sizes else 0.0)
    return out


def landing_run(stack, mode: str, round_no: int, expected: int, timeout: float, profile_dir=None) -> dict:
    """Run one round of `mode` until `expected` rows have landed and return its figures."""
    reset(stack, mode)
    conn = stack.connect(owner=True)
    conn.autocommit = True
    cur = conn.cursor()
    sql = count_sql(mode)
    group = f"bench{round_no}{mode}"
    load_before = os.getloadavg()[0]
    t0 = time.monotonic()
    procs = spawn(stack, mode, group, profile_dir)
    timeline: list[tuple[float, int]] = []
    cpu_samples: list[tuple[int, dict]] = []  # (rows, CPU s per process) at each poll
    last_change, last = t0, 0
    try:
        while True:
            time.sleep(0.05)
            cur.execute(sql)
            n = cur.fetchone()[0]
            now = time.monotonic()
            timeline.append((now, n))
            cpu_samples.append((n, {k: _cpu_s(_stage_pid(p)) for k, p in procs.items()}))
            if n != last:
                last, last_change = n, now
            if n >= expected or (n > 0 and now - last_change > 20.0) or now - t0 > timeout:
                break
            dead = [k for k, p in procs.items() if p.poll() is not None]
            if dead:
                for k in dead:
                    say(Path(os.environ["NETRA_HOME"], f"{group}.{k}.log").read_text()[-3000:])
                raise RuntimeError(f"{mode}: {dead} exited early; see the logs in {os.environ['NETRA_HOME']}")
    finally:
        rss = stop(procs)
        conn.close()
    final = timeline[-1][1]

    def at(fraction):  # time the count first reached fraction * final, linearly interpolated between polls
        target = fraction * final
        prev = (t0, 0)
        for t, n in timeline:
            if n >= target:
                if n == prev[1]:
                    return t
                return prev[0] + (t - prev[0]) * (target - prev[1]) / (n - prev[1])
            prev = (t, n)
        return timeline[-1][0]

    first_row = next(t for t, n in timeline if n > 0)
    done = next(t for t, n in timeline if n == final)
    rate = 0.8 * final / (at(0.9) - at(0.1))
    batches = batch_sizes(group, rss)
    # CPU µs per landed event over the same 10-90 % window as the rate (start-up and drain left out)
    lo = next(c for n, c in cpu_samples if n >= 0.1 * final)
    hi = next(c for n, c in cpu_samples if n >= 0.9 * final)
    n_lo = next(n for n, c in cpu_samples if n >= 0.1 * final)
    n_hi = next(n for n, c in cpu_samples if n >= 0.9 * final)
    cpu_us = {k: (hi[k] - lo[k]) / max(1, n_hi - n_lo) * 1e6 for k in hi}
    result = dict(mode=mode, round=round_no, rows=final, expected=expected, rate=rate, cpu_us=cpu_us,
                  wall_s=done - t0, first_row_s=first_row - t0, rss_mib=rss, batches=batches,
                  load=(load_before, os.getloadavg()[0]))
    say(f"[round {round_no}] {mode:8s} {final:,} rows, {rate:,.0f}/s (10-90%), wall {done - t0:.1f}s, "
        f"first row {first_row - t0:.1f}s, RSS " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
        + " MiB, CPU µs/event " + ", ".join(f"{k} {v:.0f}" for k, v in cpu_us.items())
        + ", batches " + ", ".join(f"{k} {n}x{m:.0f}" for k, (n, m) in batches.items())
        + f", load {load_before:.2f}->{result['load'][1]:.2f}")
    if final < expected:
        say(f"  note: {expected - final} rows short of the {expected} expected")
    return result


def skip_backlog(stack, group_id: str, topics) -> None:
    """Commit `group_id`'s offsets at the end of `topics`, so it starts with what is published next."""
    from kafka import TopicPartition

    from netra.kafka_io import make_consumer

    consumer = make_consumer(stack.settings, group_id)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(parts)
        consumer.seek_to_end(*parts)
        from kafka.structs import OffsetAndMetadata

        consumer.commit({tp: OffsetAndMetadata(consumer.position(tp), "", -1) for tp in parts})
    finally:
        consumer.close()


def freshness(stack, lines, rate: int, seconds: float, round_no: int = 99) -> dict:
    """Stages running; publish `rate` fresh events/s for `seconds`; latency publish -> row seen in raw.events."""
    from netra.kafka_io import make_producer
    from netra.settings import INGRESS_TOPICS
    from producers.publish import message_key

    reset(stack, "stages")
    group = f"bench{round_no}fresh"
    skip_backlog(stack, f"{group}.validator", INGRESS_TOPICS)  # the season published for the landing runs
    procs = spawn(stack, "stages", group)
    conn = stack.connect(owner=True)
    conn.autocommit = True
    cur = conn.cursor()
    published: dict[str, float] = {}
    landed: dict[str, float] = {}
    stop_polling = threading.Event()

    def poll():
        since = "-infinity"
        while not stop_polling.is_set():
            cur.execute("SELECT event_id::text, ingested_at FROM raw.events WHERE ingested_at >= %s::timestamptz "
                        "- interval '3 seconds'", (since,))
            now = time.time()
            for event_id, ingested in cur.fetchall():
                if event_id not in landed:
                    landed[event_id] = now
                since = max(since, ingested.isoformat()) if since != "-infinity" else ingested.isoformat()
            time.sleep(0.1)

    try:
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        producer = make_producer(stack.settings)
        objs = []
        for topic, raw in lines:
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            if isinstance(obj, dict) and obj.get("event_type") == "report.filed":
                objs.append((topic, obj))  # always valid in the season but for its few invalid lines
        objs += [(t, o) for t, o in ((t, json.loads(r)) for t, r in lines if r.strip().startswith(b"{"))
                 if isinstance(o, dict) and o.get("event_type") != "report.filed"]
        # warm-up: the clock starts only when the stages are up (GX import, warm start, group join):
        # a first few events must have landed
        warm = []
        for topic, obj in objs[:20]:
            obj = dict(obj, event_id=str(uuid.uuid4()))
            warm.append(obj["event_id"])
            producer.send(topic, value=json.dumps(obj, ensure_ascii=False).encode(), key=message_key(obj))
        producer.flush()
        deadline = time.monotonic() + 300
        while not any(e in landed for e in warm):
            if time.monotonic() > deadline:
                raise RuntimeError("freshness: the stages did not land the warm-up events within 300 s")
            time.sleep(0.2)
        time.sleep(2.0)
        total = int(rate * seconds)
        start = time.monotonic()
        tick = 0.01
        i = 0
        while i < total:
            due = min(total, int((time.monotonic() - start) * rate) + 1)
            while i < due:
                topic, obj = objs[i % len(objs)]
                obj = dict(obj, event_id=str(uuid.uuid4()))
                raw = json.dumps(obj, ensure_ascii=False).encode()
                producer.send(topic, value=raw, key=message_key(obj))
                published[obj["event_id"]] = time.time()
                i += 1
            time.sleep(tick)
        producer.flush()
        producer.close()
        pub_s = time.monotonic() - start
        # drain: wait until no new row for 5 s
        last, last_change = -1, time.monotonic()
        while time.monotonic() - last_change < 5.0 and time.monotonic() - start < seconds + 120:
            time.sleep(0.2)
            if len(landed) != last:
                last, last_change = len(landed), time.monotonic()
    finally:
        stop_polling.set()
        time.sleep(0.2)
        rss = stop(procs)
        conn.close()
    lat = sorted(landed[e] - published[e] for e in landed if e in published)

    def q(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else None

    result = dict(rate=rate, seconds=seconds, published=len(published), landed=len(lat), publish_s=pub_s,
                  p50=q(0.50), p95=q(0.95), p99=q(0.99), max=lat[-1] if lat else None, rss_mib=rss,
                  load=os.getloadavg()[0])
    say(f"freshness {rate}/s for {seconds:.0f}s: {len(lat):,} of {len(published):,} landed in raw.events; "
        f"p50 {result['p50']:.2f}s p95 {result['p95']:.2f}s p99 {result['p99']:.2f}s max {result['max']:.2f}s")
    return result


def med(xs):
    """Return the median of the values that are not None (NaN when there are none)."""
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def rng(xs):
    """Format the range of `xs` as min–max."""
    return f"{min(xs):,.2f}–{max(xs):,.2f}" if xs else "-"


def report(args, runs, fresh, messages, head, loads) -> str:
    """Render the benchmark results as a Markdown report."""
    by = {m: [r for r in runs if r["mode"] == m] for m in dict.fromkeys(MODES + tuple(VARIANTS))}
    out = [f"{messages:,} messages ({args.copies} copies of a scale-1.0 season), {args.partitions} partitions, "
           f"NETRA_BATCH_SIZE {os.environ.get('NETRA_BATCH_SIZE', 'default')}, {args.rounds} rounds interleaved "
           f"(order rotated per round). Code {head}. Load average (1 min) {loads[0]:.2f} at the start, "
           f"{loads[1]:.2f} at the end; per run: " + ", ".join(f"{r['load'][1]:.1f}" for r in runs) + ".", "",
           "| pipeline | events/s (10–90 %), median | min–max | wall s, median | peak RSS MiB (median per process) "
           "| CPU µs per event, 10–90 % (median per process) | batches × mean size (round 1) |",
           "|---|---:|---:|---:|---|---|---|"]
    for m in by:
        rs = by[m]
        if not rs:
            continue
        names = list(rs[0]["rss_mib"])
        out.append(f"| {m} | {med([r['rate'] for r in rs]):,.0f} | {rng([r['rate'] for r in rs]).replace('.00', '')} "
                   f"| {med([r['wall_s'] for r in rs]):.1f} | "
                   + ", ".join(f"{n} {med([r['rss_mib'][n] for r in rs]):.0f}" for n in names) + " | "
                   + ", ".join(f"{n} {med([r['cpu_us'][n] for r in rs]):.0f}" for n in names) + " | "
                   + ", ".join(f"{n} {c}×{m:.0f}" for n, (c, m) in rs[0]["batches"].items()) + " |")
    out += ["", "| ratio, pair by pair within a round | median | min–max |", "|---|---:|---:|"]
    # the client's ceiling in a round: the faster of the two no-op pipelines (bigger batches are not
    # always faster: they serialise the hops)
    best = {r: max(x["rate"] for x in runs if x["round"] == r and x["mode"] in ("noop", "ceiling"))
            for r in {x["round"] for x in runs if x["mode"] in ("noop", "ceiling")}}
    pairs = [x["rate"] / best[x["round"]] for x in by.get("stages", []) if x["round"] in best]
    if pairs:
        out.append(f"| **stages ÷ best no-op of the round** | **{med(pairs):.2f}** | {rng(pairs)} |")
    for a, b in (("stages", "ceiling"), ("stages", "noop"), ("noop", "ceiling")) + tuple(
            (v, VARIANTS[v][0]) for v in VARIANTS):
        pairs = [ra["rate"] / rb["rate"] for ra in by[a] for rb in by[b] if ra["round"] == rb["round"]]
        if pairs:
            out.append(f"| {a} ÷ {b} | {med(pairs):.2f} | {rng(pairs)} |")
    if fresh:
        out += ["", f"Freshness, stages running, {fresh['rate']:,} fresh events/s for {fresh['seconds']:.0f} s "
                f"({fresh['published']:,} published in {fresh['publish_s']:.1f} s, {fresh['landed']:,} landed in "
                f"raw.events; the rest are the season's invalid events, rejected): publish → row in raw.events "
                f"p50 **{fresh['p50']:.2f} s**, p95 **{fresh['p95']:.2f} s**, p99 **{fresh['p99']:.2f} s**, "
                f"max {fresh['max']:.2f} s; peak RSS "
                + ", ".join(f"{k} {v:.0f} MiB" for k, v in fresh['rss_mib'].items())
                + f"; load {fresh['load']:.2f} at the end."]
    return "\n".join(out)


def main(argv=None) -> int:
    """Parse the command line and run the benchmark or one of its hops."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd")
    hp = sub.add_parser("hop", help=argparse.SUPPRESS)
    hp.add_argument("hop", type=int, choices=(1, 2, 3))
    hp.add_argument("--group", required=True)
    hp.add_argument("--ceiling", action="store_true")
    p.add_argument("--copies", type=int, default=8, help="season copies with fresh ids (~6.2k messages each)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of " + ",".join(MODES))
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--kafka-port", type=int, help="broker port (default: a free one)")
    p.add_argument("--controller-port", type=int)
    p.add_argument("--pg-port", type=int, help="Postgres port (default: a free one)")
    p.add_argument("--freshness-rate", type=int, default=1000, help="events/s; 0 skips the freshness run")
    p.add_argument("--freshness-s", type=float, default=60.0)
    p.add_argument("--timeout", type=float, default=300.0, help="longest one landing run may take")
    p.add_argument("--profile", type=Path, help="py-spy the stages of round 1 into this folder")
    p.add_argument("--variant", action="append", default=[], metavar="NAME:BASE:VAR=VALUE[,VAR=VALUE]",
                   help="an extra pipeline to interleave, e.g. b5000:stages:NETRA_BATCH_SIZE=5000 "
                        "(add NAME to --modes)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    for v in args.variant:
        name, base, assignments = v.split(":", 2)
        VARIANTS[name] = (base, dict(a.split("=", 1) for a in assignments.split(",") if a))
    if args.cmd == "hop":
        return hop_main(args)

    head = git_head()
    modes = [m for m in args.modes.split(",") if m]
    loads = [os.getloadavg()[0]]
    runs, fresh = [], None
    with Stack(partitions=args.partitions, kafka_port=args.kafka_port, controller_port=args.controller_port,
               pg_port=args.pg_port) as stack:
        say(f"stack up in {stack.up_s:.1f}s (Kafka {stack.settings.kafka_bootstrap})")
        messages, expected, lines = publish_season(stack, args.copies)
        for r in range(args.rounds):
            order = modes[r % len(modes):] + modes[:r % len(modes)]
            for m in order:
                prof = None
                if args.profile and r == 0 and m == "stages":
                    args.profile.mkdir(parents=True, exist_ok=True)
                    prof = args.profile
                runs.append(landing_run(stack, m, r + 1, expected if base_mode(m) == "stages" else messages,
                                        args.timeout, prof))
        if args.freshness_rate:
            fresh = freshness(stack, lines, args.freshness_rate, args.freshness_s)
    loads.append(os.getloadavg()[0])
    text = report(args, runs, fresh, messages, head, loads)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "freshness": fresh}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    sys.exit(main())
