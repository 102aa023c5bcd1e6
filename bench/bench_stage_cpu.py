"""CPU µs per event of each stage's pure part, this checkout against others, rounds interleaved.

    python bench/bench_stage_cpu.py [--copies 8] [--rounds 3] [--batch 5000] [--repo NAME=PATH ...]

No services. A season (scale 1.0, ~6.2k messages) is replicated `--copies` times with fresh
event ids; the same message bytes are handed, as fake Kafka records, to the `process()` of
the validator (decode + GX batch rules + encode), of the enricher (on the validator's output)
and of the sink (on the enricher's output: EnrichedEvent check and raw.events rows), in
micro-batches of `--batch`, exactly as the consumer loop hands them over. Each figure is
the CPU time of the process (time.process_time) per event, so other load on the machine
moves it much less than wall time would.

`--repo NAME=PATH` adds another checkout of Netra (e.g. main: `git archive main | tar -x -C
/tmp/main`); every round runs each checkout in its own child process, in rotated order, on
the same message bytes, and checks that all checkouts produce the same messages and rows
(a digest of every forwarded and rejected message, DLQ timestamps fixed, and one of every sink row, its
jsonb values compared as values).
The figures of a round are side by side; the report gives each checkout's median and range
and the ratio to the first checkout, pair by pair within a round.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve()
PHASES = ("validator", "enricher", "sink")


def make_messages(copies: int, path: Path) -> int:
    """Write (topic, bytes) of `copies` copies of a season (fresh event ids) to `path`; return how many."""
    sys.path.insert(0, str(HERE.parents[1]))
    from producers.generate import generate_season

    season = generate_season(Path(tempfile.mkdtemp(prefix="netra-bench-")) / "season", scale=1.0)
    out = []
    for copy in range(copies):
        for topic, file in season.files.items():
            for raw in file.read_bytes().splitlines():
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                    if copy and isinstance(obj, dict) and isinstance(obj.get("event_id"), str):
                        obj["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{copy}/{obj['event_id']}"))
                        raw = json.dumps(obj, ensure_ascii=False).encode()
                except ValueError:
                    pass
                out.append((topic, raw))
    path.write_bytes(pickle.dumps(out))
    return len(out)


def child(repo: str, messages: Path, batch: int) -> dict:
    """Run the three stages of checkout `repo` over the messages; CPU µs per event of each, and a digest."""
    sys.path.insert(0, repo)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from collections import namedtuple
    from datetime import UTC, datetime

    import consumers.dlq as dlq
    import consumers.enricher as enricher_mod
    import consumers.validator as validator_mod
    from consumers.enricher import Enricher
    from consumers.sink import Sink
    from consumers.validator import Validator

    assert Path(validator_mod.__file__).is_relative_to(repo), validator_mod.__file__
    fixed = datetime(2024, 1, 1, tzinfo=UTC)
    real_dlq = dlq.dlq_message

    def dlq_at_fixed_time(record, reasons, stage, now=None):
        return real_dlq(record, reasons, stage, now=fixed)

    validator_mod.dlq_message = enricher_mod.dlq_message = dlq_at_fixed_time  # type: ignore[attr-defined]

    Record = namedtuple("Record", "topic partition offset key value headers")
    lines = pickle.loads(messages.read_bytes())
    ingress = [Record(topic, i % 3, i, None, value, []) for i, (topic, value) in enumerate(lines)]

    def as_records(outgoing):
        return [Record(m.topic, i % 3, i, m.key, m.value, list(m.headers)) for i, m in enumerate(outgoing)]

    def chunks(seq):
        return [seq[i:i + batch] for i in range(0, len(seq), batch)]

    digest = hashlib.sha256()
    Validator().process(ingress[:200])  # GX context and suites: once per process, not per event
    secret = b"bench-only-key-0123456789abcdef"
    Enricher(secret=secret).process(as_records(Validator().process(ingress[:200]).forward))
    cpu = {}

    t = time.process_time()
    validator = Validator()
    outs = [validator.process(b) for b in chunks(ingress)]
    cpu["validator"] = (time.process_time() - t) / len(ingress) * 1e6
    valid = as_records([m for o in outs for m in o.forward])

    t = time.process_time()
    enricher = Enricher(secret=secret)
    eouts = [enricher.process(b) for b in chunks(valid)]
    cpu["enricher"] = (time.process_time() - t) / len(valid) * 1e6
    enriched = as_records([m for o in eouts for m in o.forward])

    t = time.process_time()
    sink = Sink(secret=secret)
    souts = [sink.process(b) for b in chunks(enriched)]
    cpu["sink"] = (time.process_time() - t) / len(enriched) * 1e6

    for o in outs + eouts:
        for m in o.forward + o.rejected:
            digest.update(repr((m.topic, m.value, m.key, m.headers)).encode())
    rows = hashlib.sha256()
    for o in souts:
        for row in o.forward + o.rejected:
            rows.update(repr(tuple(_as_stored(v) for v in row)).encode())
    return {"cpu_us": cpu, "digest": digest.hexdigest() + "/" + rows.hexdigest(),
            "counts": [len(ingress), len(valid), len(enriched)]}


def _as_stored(value):
    """A sink row's value as Postgres keeps it: JSON text bound for a jsonb column compared as its value (jsonb
    keeps neither spacing nor key order, so two encoders' texts of the same value store the same row).
    """
    if isinstance(value, str) and value[:1] == "{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def main(argv=None) -> int:
    """Parse the command line; run the rounds in child processes and print the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--copies", type=int, default=8)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=5000)
    p.add_argument("--repo", action="append", default=[], metavar="NAME=PATH",
                   help="another checkout to compare (this one is 'this')")
    p.add_argument("--child", nargs=2, metavar=("REPO", "MESSAGES"), help=argparse.SUPPRESS)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.batch)))
        return 0
    repos = {"this": str(HERE.parents[1])}
    repos.update(dict(r.split("=", 1) for r in args.repo))
    messages = Path(tempfile.mkdtemp(prefix="netra-bench-")) / "messages.pickle"
    n = make_messages(args.copies, messages)
    print(f"{n:,} messages ({args.copies} copies of a scale-1.0 season), batches of {args.batch}", file=sys.stderr)
    runs = []
    names = list(repos)
    loads = [os.getloadavg()[0]]
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            out = subprocess.run([sys.executable, str(HERE), "--child", repos[name], str(messages),
                                  "--batch", str(args.batch)], capture_output=True, text=True, check=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            res.update(name=name, round=r + 1, load=os.getloadavg()[0])
            runs.append(res)
            print(f"[round {r + 1}] {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in res["cpu_us"].items())
                  + f" CPU µs/event; load {res['load']:.2f}; digest {res['digest'][:8]}/{res['digest'][65:73]}",
                  file=sys.stderr)
    loads.append(os.getloadavg()[0])
    same = len({r["digest"] for r in runs}) == 1
    out = [f"{n:,} messages, batches of {args.batch}, {args.rounds} rounds interleaved; load average (1 min) "
           f"{loads[0]:.2f} at the start, {loads[1]:.2f} at the end. Outputs of all checkouts identical: "
           f"**{'yes' if same else 'NO'}** (messages and rows digest).", "",
           "| checkout | " + " | ".join(f"{ph} CPU µs/event, median (min–max)" for ph in PHASES)
           + " | all three |", "|---|" + "---:|" * (len(PHASES) + 1)]
    for name in names:
        rs = [r for r in runs if r["name"] == name]
        cells = []
        for ph in PHASES + ("all",):
            xs = [sum(r["cpu_us"].values()) if ph == "all" else r["cpu_us"][ph] for r in rs]
            cells.append(f"{statistics.median(xs):.1f} ({min(xs):.1f}–{max(xs):.1f})")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    if len(names) > 1:
        out += ["", f"| ratio to {names[0]}, pair by pair within a round | "
                + " | ".join(PHASES) + " | all three |", "|---|" + "---:|" * (len(PHASES) + 1)]
        for name in names[1:]:
            cells = []
            for ph in PHASES + ("all",):
                def val(r, ph=ph):
                    return sum(r["cpu_us"].values()) if ph == "all" else r["cpu_us"][ph]
                xs = [val(a) / val(b) for a in runs for b in runs
                      if a["name"] == name and b["name"] == names[0] and a["round"] == b["round"]]
                cells.append(f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})")
            out.append(f"| {name} ÷ {names[0]} | " + " | ".join(cells) + " |")
    print("\n".join(out))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
