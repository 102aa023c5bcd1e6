"""What batching buys: `Validator.process` one event per GX call against Netra's micro-batches.

    python bench/bench_validator_ratio.py [--copies 2] [--batch 5000] [--single 60] [--rounds 3]

No services. A season (scale 1.0, ~6.2k messages) is replicated `--copies` times with fresh
event ids and handed to `Validator.process` as fake Kafka records: at `--batch` messages
per call (as the validator runs), and for the first `--single` messages one message per
call (each its own GX validation, the per-event design Netra avoids). Rounds interleave the
two; each figure is CPU time of this process (time.process_time), so other load on the
machine changes it less than wall time would, and wall time is printed next to it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Record  # noqa: E402  (puts the repo on sys.path, GX analytics off)


def records(copies: int) -> list:
    """Return `copies` copies of a generated season as ingress records."""
    from producers.generate import generate_season

    season = generate_season(Path(tempfile.mkdtemp(prefix="netra-bench-")) / "season", scale=1.0)
    out = []
    for copy in range(copies):
        for topic, path in season.files.items():
            for raw in path.read_bytes().splitlines():
                try:
                    obj = json.loads(raw)
                    if copy and isinstance(obj, dict) and isinstance(obj.get("event_id"), str):
                        obj["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{copy}/{obj['event_id']}"))
                        raw = json.dumps(obj).encode()
                except ValueError:
                    pass
                out.append(Record(topic, 0, len(out), None, raw, []))
    return out


def run(validator_cls, recs, batch: int) -> tuple[float, float]:
    """Validate the records in batches and return the CPU and wall seconds taken."""
    v = validator_cls()
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(0, len(recs), batch):
        v.process(recs[i:i + batch])
    return (time.process_time() - cpu) / len(recs) * 1e6, (time.perf_counter() - wall) / len(recs) * 1e6


def main(argv=None) -> int:
    """Parse the command line and compare the validators' costs."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--copies", type=int, default=2)
    p.add_argument("--batch", type=int, default=5000)
    p.add_argument("--single", type=int, default=60, help="messages validated one per GX call")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)

    from consumers.validator import Validator

    recs = records(args.copies)
    Validator().process(recs[:10])  # GX import, context and suites: once per process, not counted
    batched, single = [], []
    for _ in range(args.rounds):
        batched.append(run(Validator, recs, args.batch))
        single.append(run(Validator, recs[:args.single], 1))
    b = statistics.median(c for c, _ in batched)
    s = statistics.median(c for c, _ in single)
    ratios = [sc / bc for (bc, _), (sc, _) in zip(batched, single)]
    print(f"{len(recs):,} messages; load average {os.getloadavg()[0]:.2f}")
    print("| Validator.process | CPU µs per message, median | wall µs per message, median | events/s (CPU) |")
    print("|---|---:|---:|---:|")
    print(f"| batches of {args.batch} (one GX call each) | {b:,.0f} | {statistics.median(w for _, w in batched):,.0f} "
          f"| {1e6 / b:,.0f} |")
    print(f"| one message per call ({args.single} messages) | {s:,.0f} "
          f"| {statistics.median(w for _, w in single):,.0f} "
          f"| {1e6 / s:,.1f} |")
    print(f"\nper-event ÷ batched, pair by pair: median **{statistics.median(ratios):,.0f}×** "
          f"(min {min(ratios):,.0f}×, max {max(ratios):,.0f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
