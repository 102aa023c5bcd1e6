"""Pure-stage throughput, no services: decode, the GX batch suite, Validator, Enricher, Sink row building.

    python bench/bench_stages.py [--scale 1.0] [--replicate 1] [--repeat 5]

Long because: one benchmark read top to bottom, data -> one timed function per stage -> the
report table; each part serves only this run and the report's rows follow its functions in order.

A season is generated with `producers.generate.generate_season` into a temporary
folder (scale 1.0 is ~6,200 messages of ~470 B); `--replicate N` appends N-1 copies
with fresh event ids (~50k messages at N=8). Lines become fake Kafka records and go
through the pure `process()` of each stage exactly as the consumer loop would hand
them over. Every figure is the median of `--repeat` runs; the spread (min-max) is
printed next to it because the machine is shared. Peak memory of the validator at
batch 2000 is measured in a child process (ru_maxrss) and with tracemalloc.
Results go to stdout as Markdown; `--json FILE` also writes the raw numbers.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
import zlib
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import REPO, Record, git_head, machine  # noqa: E402  (puts the repo on sys.path, GX analytics off)

PARTITIONS = 3
SECRET = b"bench-only-key-0123456789abcdef"
GX_BATCH_SIZES = (100, 500, 2000, 5000)
VALIDATOR_BATCH_SIZES = (500, 2000)


# ---------------------------------------------------------------- data


def season_lines(scale: float, replicate: int, seed: int = 2020) -> list[tuple[str, bytes]]:
    """(ingress topic, message bytes) in a plausible arrival order: reports, then recommendations, sanctions.

    Copies 2..N get fresh event ids (seeded) so that the stream is not a pile of exact re-sends.
    """
    from producers.generate import generate_season

    with tempfile.TemporaryDirectory(prefix="netra-bench-") as tmp:
        season = generate_season(Path(tmp), seed=seed, scale=scale)
        base = []
        for topic, path in season.files.items():
            with open(path, "rb") as f:
                base.extend((topic, line.rstrip(b"\n")) for line in f if line.strip())
    rng = random.Random(seed)
    out = list(base)
    for _ in range(replicate - 1):
        for topic, line in base:
            try:
                obj = json.loads(line)
            except ValueError:
                out.append((topic, line))
                continue
            if isinstance(obj, dict) and "event_id" in obj:
                obj["event_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            out.append((topic, json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()))
    return out


def as_records(lines: list[tuple[str, bytes]]) -> list[Record]:
    """Fake ConsumerRecords: key = the contract's key, partition = hash(key) % 3, offsets per partition."""
    from producers.publish import message_key

    offsets: dict[tuple[str, int], int] = {}
    records = []
    for topic, value in lines:
        try:
            key = message_key(json.loads(value))
        except ValueError:
            key = None
        partition = (zlib.crc32(key) if key else len(records)) % PARTITIONS
        offset = offsets.get((topic, partition), 0)
        offsets[(topic, partition)] = offset + 1
        records.append(Record(topic, partition, offset, key, value, []))
    return records


def outgoing_as_records(outgoing, topic_offsets: dict | None = None) -> list[Record]:
    """Turn a stage's Outgoing messages into the records the next stage would consume."""
    offsets = topic_offsets if topic_offsets is not None else {}
    records = []
    for i, msg in enumerate(outgoing):
        partition = (zlib.crc32(msg.key) if msg.key else i) % PARTITIONS
        offset = offsets.get((msg.topic, partition), 0)
        offsets[(msg.topic, partition)] = offset + 1
        records.append(Record(msg.topic, partition, offset, msg.key, msg.value, list(msg.headers)))
    return records


def chunks(seq, size):
    """Yield successive slices of `seq` of at most `size` items."""
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


# ---------------------------------------------------------------- timing helpers


def timed(fn) -> float:
    """Return the seconds `fn` takes to run."""
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class Stat:
    """Median and spread of one figure over the repeats."""

    def __init__(self, values: list[float]):
        self.values = values
        self.median = statistics.median(values)
        self.lo = min(values)
        self.hi = max(values)

    def spread(self) -> str:
        """Format the half-range as a percentage of the median."""
        if self.median == 0:
            return "-"
        return f"±{(self.hi - self.lo) / 2 / self.median * 100:.0f}%"

    def as_dict(self) -> dict:
        """Return the figures as a dict."""
        return {"median": self.median, "min": self.lo, "max": self.hi, "values": self.values}


def _mib(x) -> str:
    return "n/a" if x is None else f"{x:.0f} MiB"


def fmt_rate(x: float) -> str:
    """Format a rate with thousands separators and no decimals."""
    return f"{x:,.0f}"


# ---------------------------------------------------------------- benchmarks


def bench_decode(records, repeat):
    """Time decoding the records."""
    from netra.contracts.decode import decode

    def run():
        for r in records:
            decode(r.value, r.topic)

    def loads_only():
        for r in records:
            json.loads(r.value)

    run()  # warm
    per_msg = Stat([timed(run) / len(records) * 1e6 for _ in range(repeat)])
    loads = Stat([timed(loads_only) / len(records) * 1e6 for _ in range(repeat)])
    return per_msg, loads


def bench_gx(events, reports, repeat, calls_per_size: int):
    """validate_batch at several batch sizes: ms per call, events/s; plus the one-off cold call."""
    from expectations import events as ev

    today = date.today()
    ev.build_suites.cache_clear()
    ev._batch_definition.cache_clear()
    cold = timed(lambda: ev.validate_batch(events[:100], today=today, report_subjects=reports))

    results = {}
    for size in GX_BATCH_SIZES:
        batches = [events[i:i + size] for i in range(0, len(events) - size + 1, size)][:calls_per_size]
        if not batches:
            continue
        per_call = []
        for _ in range(repeat):
            t = timed(lambda batches=batches: [ev.validate_batch(b, today=today, report_subjects=reports)
                                               for b in batches])
            per_call.append(t / len(batches) * 1e3)
        # flatten alone (pure Python -> DataFrame) to split GX's own cost from ours
        flat = []
        for _ in range(repeat):
            t = timed(lambda batches=batches: [ev.flatten(b, reports)[0] for b in batches])
            flat.append(t / len(batches) * 1e3)
        rows = statistics.mean(len(ev.flatten(b, reports)[0]) for b in batches)
        results[size] = {"ms": Stat(per_call), "flatten_ms": Stat(flat), "calls": len(batches), "rows": rows}
    return cold, results


def bench_gx_per_expectation(events, reports, repeat, calls: int = 5):
    """The fixed cost of one GX call against the number of expectations: suites of the first k
    expectations of `events.v1`, run on a small frame (20 events), so rows cost next to nothing.
    """
    import great_expectations as gx

    from expectations import events as ev

    full = ev.build_suites()[ev.SUITE_NAME]
    frame = ev.flatten(events[:20], reports)[0]
    today = date.today()
    out = {}
    n = len(full.expectations)
    for k in sorted({1, n // 4, n // 2, n}):
        suite = gx.ExpectationSuite(name=f"bench.first{k}")
        for e in full.expectations[:k]:
            suite.add_expectation(e.copy(update={"id": None}) if hasattr(e, "copy") else e)
        batch = ev._batch_definition().get_batch(batch_parameters={"dataframe": frame})

        def run(batch=batch, suite=suite):
            return batch.validate(suite, result_format=ev.RESULT_FORMAT, expectation_parameters={"today": today})

        run()
        out[k] = Stat([timed(lambda run=run: [run() for _ in range(calls)]) / calls * 1e3 for _ in range(repeat)])
    return len(frame), out


def fit_line(points):
    """Least squares y = a + b x over (x, y)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    b = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return my - b * mx, b


def bench_validator(records, size, repeat):
    """The whole Validator.process over the stream at one batch size; counts GX calls per batch."""
    from consumers.validator import Validator
    from expectations import events as ev

    calls = {"gx": 0}
    real_run_suite = ev._run_suite

    def counting_run_suite(frame, today):
        calls["gx"] += 1
        return real_run_suite(frame, today)

    batches = list(chunks(records, size))
    ev._run_suite = counting_run_suite
    try:
        rates, outcome_counts = [], None
        for _ in range(repeat):
            validator = Validator()
            calls["gx"] = 0
            forwarded = rejected = 0

            def run(validator=validator):
                nonlocal forwarded, rejected
                for b in batches:
                    o = validator.process(b)
                    forwarded += len(o.forward)
                    rejected += len(o.rejected)

            t = timed(run)
            rates.append(len(records) / t)
            outcome_counts = {"batches": len(batches), "gx_calls": calls["gx"], "forwarded": forwarded,
                              "rejected": rejected}
    finally:
        ev._run_suite = real_run_suite
    return Stat(rates), outcome_counts


def validator_output(records, size=500):
    """Run the validator over the records and return what it forwards and rejects."""
    from consumers.validator import Validator

    validator = Validator()
    forward, rejected = [], []
    for b in chunks(records, size):
        o = validator.process(b)
        forward.extend(o.forward)
        rejected.extend(o.rejected)
    return forward, rejected


def bench_enricher(valid_records, repeat, size=500):
    """Time the enricher over the valid records."""
    from consumers.enricher import Enricher

    enricher = Enricher(secret=SECRET)
    batches = list(chunks(valid_records, size))
    out = []
    for b in batches:  # warm + the output the sink bench needs
        out.extend(enricher.process(b).forward)
    unmatched = enricher.stats.get("agency_unmatched") if hasattr(enricher, "stats") else None
    rates = [len(valid_records) / timed(lambda: [enricher.process(b) for b in batches]) for _ in range(repeat)]
    return Stat(rates), out, unmatched


def bench_sink(enriched_records, dlq_records, repeat, size=500):
    """Time the sink's COPY of the enriched and rejected records."""
    from consumers.sink import EVENT_COLUMNS, REJECT_COLUMNS, Sink, _copy

    sink = Sink(secret=SECRET)
    res = {}
    for label, recs in (("events", enriched_records), ("rejects", dlq_records)):
        batches = list(chunks(recs, size))
        [sink.process(b) for b in batches]
        res[label] = Stat([len(recs) / timed(lambda batches=batches: [sink.process(b) for b in batches])
                           for _ in range(repeat)])

    # the CSV buffer PostgresWriter hands to COPY (pure part of the write path), into a fake cursor
    class _Cursor:
        def copy_expert(self, sql, buf):
            buf.read()

    rows = [row for b in chunks(enriched_records, size) for row in sink.process(b).forward]
    rej = [row for b in chunks(dlq_records, size) for row in sink.process(b).rejected]
    cur = _Cursor()
    res["copy_csv_events"] = Stat([len(rows) / timed(lambda: [_copy(cur, "t", EVENT_COLUMNS, b)
                                                               for b in chunks(rows, size)])
                                   for _ in range(repeat)])
    if rej:
        res["copy_csv_rejects"] = Stat([len(rej) / timed(lambda: [_copy(cur, "t", REJECT_COLUMNS, b)
                                                                   for b in chunks(rej, size)])
                                        for _ in range(repeat)])
    return res


def bench_agency(records, repeat):
    """match_agency over the agency spellings the season carries (what Enricher calls per name).

    Cold: the alias/fuzzy tables are built once per process. Then every distinct name once with an
    empty match cache (alias hit or rapidfuzz scan), and the whole stream with a warm cache.
    """
    from netra.reference import agencies as ag

    names = []
    for r in records:
        try:
            payload = json.loads(r.value).get("payload") or {}
        except ValueError:
            continue
        for s in payload.get("subjects") or ():
            if isinstance(s, dict) and s.get("agency"):
                names.append(s["agency"])
        for k in ("agency", "ppk_agency"):
            if isinstance(payload.get(k), str):
                names.append(payload[k])
    if not names:
        return None
    distinct = list(dict.fromkeys(names))

    def cold():
        ag.clear_caches()
        ag.agencies(), ag.agency_aliases(), ag._fuzzy_index()

    load = Stat([timed(cold) * 1e3 for _ in range(repeat)])
    first_pass, warm = [], []
    for _ in range(repeat):
        ag._match_normalised.cache_clear()
        first_pass.append(timed(lambda: [ag.match_agency(n) for n in distinct]) / len(distinct) * 1e6)
        warm.append(timed(lambda: [ag.match_agency(n) for n in names]) / len(names) * 1e6)
    # the fuzzy path: one seeded letter substitution in each distinct name (the season's names are all aliases)
    rng = random.Random(7)
    typos = []
    for n in distinct:
        letters = [i for i, c in enumerate(n) if c.isalpha()]
        i = rng.choice(letters) if letters else 0
        typos.append(n[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + n[i + 1:])
    fuzzy = []
    for _ in range(repeat):
        ag._match_normalised.cache_clear()
        fuzzy.append(timed(lambda: [ag.match_agency(n) for n in typos]) / len(typos) * 1e6)
    typo_methods = {}
    for n in typos:
        m = ag.match_agency(n).method or "none"
        typo_methods[m] = typo_methods.get(m, 0) + 1
    methods = {}
    for n in distinct:
        m = ag.match_agency(n).method or "none"
        methods[m] = methods.get(m, 0) + 1
    return {"names": len(names), "distinct": len(distinct), "methods": methods, "load_ms": load,
            "first_pass_us": Stat(first_pass), "warm_us": Stat(warm),
            "typo_us": Stat(fuzzy), "typo_methods": typo_methods}


# ---------------------------------------------------------------- memory (child process)


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def _reset_hwm() -> bool:
    """Reset the peak-RSS mark (VmHWM) of this process (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory_child(scale: float, replicate: int, size: int) -> dict:
    """Run in a fresh interpreter: RSS after data + warm-up, then peak RSS and tracemalloc peak at `size`."""
    from consumers.validator import Validator

    records = as_records(season_lines(scale, replicate))
    validator = Validator()
    validator.process(records[:50])  # imports, GX context and suites built
    gc.collect()
    batches = list(chunks(records[50:], size))
    maxrss_process = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # includes generating the data
    rss_before = _status_mib("VmRSS")
    reset = _reset_hwm()  # from here VmHWM is the peak while validating
    for b in batches:
        validator.process(b)
    hwm = _status_mib("VmHWM") if reset else None
    rss_after = _status_mib("VmRSS")
    # tracemalloc: Python allocations of one full batch, peak within the call
    tracemalloc.start()
    peaks = []
    for b in batches[:3]:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        validator.process(b)
        _, peak = tracemalloc.get_traced_memory()
        peaks.append((peak - base) / 2**20)
    tracemalloc.stop()
    return {"messages": len(records), "batch": size, "rss_before_mib": rss_before, "rss_after_mib": rss_after,
            "peak_rss_while_validating_mib": hwm, "maxrss_process_incl_data_gen_mib": maxrss_process,
            "tracemalloc_batch_peak_mib": max(peaks), "report_index": len(validator.reports)}


def run_memory_child(scale, replicate, size) -> dict:
    """Measure memory in a child process and return its figures."""
    out = subprocess.run([sys.executable, __file__, "--scale", str(scale), "--replicate", str(replicate),
                          "--memory-child", str(size)], capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def main(argv=None) -> int:
    """Parse the command line, run the stage benchmarks and print the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="season scale (1.0 = ~6,200 messages)")
    p.add_argument("--replicate", type=int, default=1, help="copies of the season with fresh event ids (8 = ~50k)")
    p.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is reported")
    p.add_argument("--gx-calls", type=int, default=8, help="validate_batch calls per batch size and run")
    p.add_argument("--json", help="also write the raw numbers here")
    p.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.memory_child:
        print(json.dumps(memory_child(args.scale, args.replicate, args.memory_child)))
        return 0

    load_start = os.getloadavg()
    head_start = git_head()
    t_all = time.perf_counter()
    print(f"<!-- {machine()} -->", file=sys.stderr)
    lines = season_lines(args.scale, args.replicate)
    records = as_records(lines)
    n = len(records)
    print(f"data: {n} messages, {sum(len(r.value) for r in records) / n:.0f} B average", file=sys.stderr)

    from consumers.validator import ReportIndex
    from netra.contracts.decode import decode

    decoded = [decode(r.value, r.topic) for r in records]
    events = [d.event for d in decoded if d.ok]
    reports = ReportIndex()
    for e in events:
        reports.remember(e)

    print("decode ...", file=sys.stderr)
    decode_us, loads_us = bench_decode(records, args.repeat)
    print("GX validate_batch ...", file=sys.stderr)
    gx_cold, gx = bench_gx(events, reports, args.repeat, args.gx_calls)
    print("GX per expectation ...", file=sys.stderr)
    gx_rows_small, gx_by_k = bench_gx_per_expectation(events, reports, args.repeat)
    print("Validator.process ...", file=sys.stderr)
    validator = {size: bench_validator(records, size, args.repeat) for size in VALIDATOR_BATCH_SIZES}
    forward, rejected = validator_output(records)
    valid_records = outgoing_as_records(forward)
    dlq_records = outgoing_as_records(rejected)
    print("Enricher.process ...", file=sys.stderr)
    enrich_rate, enriched, unmatched = bench_enricher(valid_records, args.repeat)
    enriched_records = outgoing_as_records(enriched)
    print("Sink.process ...", file=sys.stderr)
    sink = bench_sink(enriched_records, dlq_records, args.repeat)
    print("agency matching ...", file=sys.stderr)
    agency = bench_agency(records, args.repeat)
    print("memory (child process) ...", file=sys.stderr)
    mem = run_memory_child(args.scale, args.replicate, 2000)
    load_end = os.getloadavg()

    fixed_ms, per_event_ms = fit_line([(s, r["ms"].median) for s, r in gx.items()])
    fixed_gx_ms, per_row_gx_ms = fit_line([(r["rows"], r["ms"].median - r["flatten_ms"].median) for r in gx.values()])

    out = []
    out.append(f"Data: scale {args.scale} x{args.replicate} = {n:,} messages "
               f"({sum(len(r.value) for r in records) / n:.0f} B average), {len(events):,} pass decode; "
               f"median of {args.repeat} runs, spread = half the min-max range.  ")
    out.append(f"Machine: {machine()}; load avg at start {load_start[0]:.2f}, at end {load_end[0]:.2f}. "
               f"Code: HEAD {head_start} at start, {git_head()} at end (working tree may differ).")
    out.append("")
    out.append("| Stage / step | Batch | Median | Unit | Spread | Throughput (median) |")
    out.append("|---|---:|---:|---|---:|---:|")
    out.append(f"| `json.loads` only (reference) | - | {loads_us.median:.1f} | µs/msg | {loads_us.spread()} | "
               f"{fmt_rate(1e6 / loads_us.median)} msg/s |")
    out.append(f"| `decode` (size, UTF-8, JSON, pydantic model) | - | {decode_us.median:.1f} | µs/msg | "
               f"{decode_us.spread()} | {fmt_rate(1e6 / decode_us.median)} msg/s |")
    out.append(f"| `validate_batch` first call (builds GX context + suites, once per process) | 100 | "
               f"{gx_cold * 1e3:,.0f} | ms | - | - |")
    for size, r in gx.items():
        out.append(f"| `validate_batch` (flatten + 1 GX call), ~{r['rows']:,.0f} rows | {size} | "
                   f"{r['ms'].median:,.1f} | ms/batch | {r['ms'].spread()} | "
                   f"{fmt_rate(size / r['ms'].median * 1e3)} events/s |")
    for size, r in gx.items():
        out.append(f"| ↳ of which `flatten` (pure Python → DataFrame) | {size} | {r['flatten_ms'].median:,.1f} | "
                   f"ms/batch | {r['flatten_ms'].spread()} | - |")
    for k, st in gx_by_k.items():
        out.append(f"| GX call alone, suite of the first {k} expectation(s) of `events.v1`, "
                   f"{gx_rows_small} rows | 20 | "
                   f"{st.median:,.1f} | ms/call | {st.spread()} | - |")
    for size, (rate, counts) in validator.items():
        out.append(f"| `Validator.process` (decode + GX + DLQ/forward) | {size} | {fmt_rate(rate.median)} | "
                   f"events/s | {rate.spread()} | {counts['batches']} batches, {counts['gx_calls']} GX calls |")
    out.append(f"| `Enricher.process` | 500 | {fmt_rate(enrich_rate.median)} | events/s | {enrich_rate.spread()} | "
               f"{len(valid_records):,} events"
               + (f", {unmatched:,} agency names unmatched" if unmatched is not None else "") + " |")
    out.append(f"| `Sink.process` event rows (events.enriched) | 500 | {fmt_rate(sink['events'].median)} | rows/s | "
               f"{sink['events'].spread()} | {len(enriched_records):,} rows |")
    out.append(f"| `Sink.process` reject rows (events.dlq, scrubbed) | 500 | {fmt_rate(sink['rejects'].median)} | "
               f"rows/s | {sink['rejects'].spread()} | {len(dlq_records):,} rows |")
    out.append(f"| COPY CSV buffer build (`sink._copy`, no DB) events | 500 | "
               f"{fmt_rate(sink['copy_csv_events'].median)} | rows/s | {sink['copy_csv_events'].spread()} | - |")
    if agency:
        out.append(f"| agency tables load (`agencies`, aliases, fuzzy index; once per process) | - | "
                   f"{agency['load_ms'].median:,.0f} | ms | {agency['load_ms'].spread()} | - |")
        methods = ", ".join(f"{k} {v}" for k, v in sorted(agency["methods"].items()))
        out.append(f"| `match_agency`, each distinct name once, empty match cache ({agency['distinct']:,} names: "
                   f"{methods}) | - | {agency['first_pass_us'].median:,.1f} | µs/name | "
                   f"{agency['first_pass_us'].spread()} | {fmt_rate(1e6 / agency['first_pass_us'].median)} names/s |")
        tm = ", ".join(f"{k} {v}" for k, v in sorted(agency["typo_methods"].items()))
        out.append(f"| `match_agency`, one-letter typo of each distinct name, empty match cache ({tm}) | - | "
                   f"{agency['typo_us'].median:,.1f} | µs/name | {agency['typo_us'].spread()} | "
                   f"{fmt_rate(1e6 / agency['typo_us'].median)} names/s |")
        out.append(f"| `match_agency`, whole stream, warm cache ({agency['names']:,} names) | - | "
                   f"{agency['warm_us'].median:.2f} | µs/name | {agency['warm_us'].spread()} | "
                   f"{fmt_rate(1e6 / agency['warm_us'].median)} names/s |")
    out.append("")
    out.append(f"GX fixed cost (least-squares over the 4 batch sizes, ms per `validate_batch` = a + b·events): "
               f"a = **{fixed_ms:.1f} ms per call**, b = {per_event_ms * 1e3:.1f} µs per event; "
               f"GX alone (minus flatten) vs rows: {fixed_gx_ms:.1f} ms + {per_row_gx_ms * 1e3:.1f} µs/row.  ")
    counts = "; ".join(f"batch {s}: {c['batches']} batches → {c['gx_calls']} GX calls "
                       f"({c['forwarded']:,} forwarded, {c['rejected']:,} to DLQ)" for s, (_, c) in validator.items())
    k_fixed, k_each = fit_line([(k, st.median) for k, st in gx_by_k.items()])
    out.append(f"GX fixed cost vs suite size (small frame): {k_fixed:.1f} ms + **{k_each:.1f} ms per expectation**.  ")
    out.append(f"GX calls counted in `Validator.process` (last run): {counts}.  ")
    from expectations import events as ev

    out.append(f"Suite/context builds (lru_cache misses) over the whole benchmark after the single cache clear: "
               f"`build_suites` {ev.build_suites.cache_info().misses}, "
               f"`_batch_definition` {ev._batch_definition.cache_info().misses}.  ")
    out.append(f"Validator memory at batch {mem['batch']} (child process, {mem['messages']:,} messages): "
               f"RSS after imports + data + GX warm-up {mem['rss_before_mib']:.0f} MiB; peak RSS while "
               f"validating the stream {_mib(mem['peak_rss_while_validating_mib'])} (RSS at the end "
               f"{mem['rss_after_mib']:.0f} MiB; ru_maxrss incl. generating the data "
               f"{mem['maxrss_process_incl_data_gen_mib']:.0f} MiB); tracemalloc peak within one `process()` call "
               f"{mem['tracemalloc_batch_peak_mib']:.1f} MiB; "
               f"report index {mem['report_index']:,} reports.")
    out.append(f"\n_total benchmark wall time {time.perf_counter() - t_all:.0f} s_")
    print("\n".join(out))

    if args.json:
        def conv(o):
            if isinstance(o, Stat):
                return o.as_dict()
            raise TypeError(type(o))
        raw = {"messages": n, "repeat": args.repeat, "machine": machine(), "decode_us": decode_us,
               "loads_us": loads_us, "gx_cold_s": gx_cold,
               "gx": {s: {k: v for k, v in r.items()} for s, r in gx.items()},
               "gx_fit": {"fixed_ms": fixed_ms, "per_event_ms": per_event_ms}, "gx_by_expectations": gx_by_k,
               "validator": {s: {"rate": r, "counts": c} for s, (r, c) in validator.items()},
               "enricher": enrich_rate, "sink": sink, "agency": agency, "memory": mem,
               "load": {"start": load_start, "end": load_end}}
        Path(args.json).write_text(json.dumps(raw, default=conv, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
