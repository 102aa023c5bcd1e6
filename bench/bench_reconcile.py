"""`netra reconcile` at growing scale: full rebuild and a 1 % incremental run, with time and peak memory.

    python bench/bench_reconcile.py [--copies 1,10,100] [--million] [--incremental 0.01]

One embedded Postgres (no Kafka) in a temp NETRA_HOME. A season (scale 1.0: ~1.6k
recommendations, ~1.5k sanctions, ~6.2k messages) is landed `copies` times, each copy with
its own ids (report, recommendation, sanction, event) and its own NIPs (the 3-digit serial
of every NIP shifted by the copy number, so a person never meets a copy of themselves), through
the stages' own code without a broker: `decode` (the contract check; the GX batch rules
are left out, they reject nothing the generator makes valid), `Enricher.process`,
`Sink.process` and the sink's `PostgresWriter` (COPY, conflict check, offsets).

Scales are cumulative: land up to the first scale, run `netra reconcile --full`, then land
`--incremental` of that scale more and run `netra reconcile` (incremental), then land up
to the next scale, and so on. `--million` adds the scale of ~1M recommendations × ~1M
sanctions (667 copies; landing it takes a long time). Each reconcile runs as its own
process (`netra reconcile`, as a user runs it); its wall time, the time of each step (from
its own output lines) and its peak RSS (ru_maxrss, through a small `sh` parent so it is
not inherited from this process) are reported.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import REPO, Record, Stack, git_head, say  # noqa: E402

NETRA = str(Path(sys.executable).parent / "netra")
MILLION_COPIES = 667
_ID_FIELDS = ("report_id", "recommendation_id", "sanction_id", "recommendation_ref")
_NIP = re.compile(r"^\d{18}$")


def _nip(nip, copy: int):
    if not isinstance(nip, str) or not _NIP.match(nip):
        return nip
    return nip[:15] + f"{(int(nip[15:]) + copy) % 1000:03d}"


def copy_line(obj: dict, copy: int) -> dict:
    """The event as it would be in copy `copy`: its own ids and NIPs, nothing else changed."""
    if copy == 0:
        return obj
    obj = json.loads(json.dumps(obj))
    if isinstance(obj.get("event_id"), str):
        obj["event_id"] = obj["event_id"][:-6] + f"{copy:06x}"[-6:] if len(obj["event_id"]) == 36 else obj["event_id"]
    payload = obj.get("payload")
    if isinstance(payload, dict):
        for name in _ID_FIELDS:
            if isinstance(payload.get(name), str):
                payload[name] = f"{payload[name]}~{copy}"
        if "nip" in payload:
            payload["nip"] = _nip(payload["nip"], copy)
        if isinstance(payload.get("proven_nips"), list):
            payload["proven_nips"] = [_nip(n, copy) for n in payload["proven_nips"]]
        if isinstance(payload.get("subjects"), list):
            for s in payload["subjects"]:
                if isinstance(s, dict) and "nip" in s:
                    s["nip"] = _nip(s["nip"], copy)
    return obj


class Lander:
    """decode -> Enricher.process -> Sink.process -> PostgresWriter, one copy of the season per call."""

    def __init__(self, stack, season_lines: list[tuple[str, dict]]):
        from consumers.enricher import Enricher
        from consumers.sink import PostgresWriter, Sink

        secret = stack.settings.hmac_key
        self.lines = season_lines
        self.enricher = Enricher(secret=secret)
        self.sink = Sink(secret=secret)
        self.conn = stack.connect()
        self.writer = PostgresWriter(self.conn, "bench.reconcile")
        self.offset = 0
        self.copies = 0
        self.events = 0

    def land(self, copies: int) -> float:
        """Land `copies` more season copies into raw.events and return the seconds it took."""
        from consumers.validator import encode_event
        from netra.contracts.decode import decode
        from netra.contracts.events import key_for

        t = time.monotonic()
        for _ in range(copies):
            copy = self.copies
            valid = []
            for topic, obj in self.lines:
                d = decode(json.dumps(copy_line(obj, copy)).encode(), topic)
                if d.ok:
                    valid.append(Record("events.valid", 0, self.offset, key_for(d.event), encode_event(d.event), []))
                    self.offset += 1
            enriched = [Record("events.enriched", 0, r.offset, m.key, m.value, list(m.headers))
                        for r, m in zip(valid, self.enricher.process(valid).forward)]
            self.writer(enriched, self.sink.process(enriched))
            self.copies += 1
            self.events += len(enriched)
        return time.monotonic() - t

    def close(self):
        """Close the database connection."""
        self.conn.close()


def counts(stack) -> dict:
    """Return the row counts of the tables the reconcile reads and writes."""
    conn = stack.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT (SELECT count(*) FROM raw.events), (SELECT count(*) FROM core.recommendations), "
                        "(SELECT count(*) FROM core.sanctions), (SELECT count(*) FROM core.links)")
            return dict(zip(("raw_events", "recommendations", "sanctions", "links"), cur.fetchone()))
    finally:
        conn.close()


def reconcile(as_of: date, full: bool) -> dict:
    """`netra reconcile` in its own process; wall time, step times from its output, peak RSS."""
    cmd = [NETRA, "reconcile", "--as-of", as_of.isoformat()] + (["--full"] if full else [])
    # sh forks the command: its ru_maxrss is then its own, not inherited from this (large) process
    proc = subprocess.Popen(["sh", "-c", '"$@"', "sh", *cmd], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    t0 = time.monotonic()
    marks = []
    for line in proc.stdout:
        marks.append((time.monotonic() - t0, line.rstrip()))
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError("netra reconcile failed:\n" + "\n".join(m for _, m in marks[-30:]))

    def at(prefix):
        return next((t for t, m in marks if m.strip().startswith(prefix)), None)

    steps = {"start→core": at("reconcile as of"), "→links": at("links:"), "→audit passed": at("GX checkpoint passed")}
    return {"wall_s": wall, "rss_mib": usage.ru_maxrss / 1024, "marks": steps, "output": [m for _, m in marks]}


def main(argv=None) -> int:
    """Parse the command line, run the reconcile benchmark and print the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--copies", default="1,10,100", help="comma-separated scales, in season copies (~1.6k recs each)")
    p.add_argument("--million", action="store_true", help=f"also {MILLION_COPIES} copies (~1M × 1M; slow to land)")
    p.add_argument("--incremental", type=float, default=0.01, help="share of new copies for the incremental run")
    p.add_argument("--as-of", type=date.fromisoformat, default=date(2024, 2, 6))
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    scales = [int(c) for c in args.copies.split(",") if c] + ([MILLION_COPIES] if args.million else [])

    from producers.generate import generate_season

    rows = []
    head = git_head()
    load0 = os.getloadavg()[0]
    with Stack(kafka=False) as stack:
        season = generate_season(stack.home / "season", scale=1.0)
        lines = []
        for topic, path in season.files.items():
            for raw in path.read_bytes().splitlines():
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    lines.append((topic, obj))
        lander = Lander(stack, lines)
        try:
            for scale in scales:
                if scale > lander.copies:
                    n = scale - lander.copies
                    land_s = lander.land(n)
                    say(f"landed {n} copies ({lander.events:,} events so far) in {land_s:.0f}s")
                before = counts(stack)
                full = reconcile(args.as_of, full=True)
                say(f"scale {scale}: full reconcile {full['wall_s']:.1f}s, peak {full['rss_mib']:.0f} MiB "
                    f"({before['recommendations']:,} recs × {before['sanctions']:,} sanctions after)")
                extra = max(1, round(scale * args.incremental))
                lander.land(extra)
                inc = reconcile(args.as_of, full=False)
                after = counts(stack)
                say(f"  +{extra} copies: incremental {inc['wall_s']:.1f}s, peak {inc['rss_mib']:.0f} MiB")
                rows.append(dict(copies=scale, extra=extra, before=counts_at(full), full=full, inc=inc,
                                 after=after, load=os.getloadavg()[0]))
        finally:
            lander.close()
    print(report(rows, head, load0))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))
    return 0


def counts_at(result: dict) -> dict:
    """Recommendations and sanctions reconciled, read from the run's own summary line."""
    for line in result["output"]:
        m = re.search(r"(\d+) recommendations:", line)
        if m:
            return {"recommendations": int(m.group(1))}
    return {}


def report(rows, head, load0) -> str:
    """Render the rows as a Markdown report."""
    out = [f"Code {head}; load average (1 min) {load0:.2f} at the start, per scale at its end: "
           + ", ".join(f"{r['load']:.1f}" for r in rows) + ".", "",
           "| copies | recommendations × sanctions (after the incremental) | raw.events | full s | "
           "core+links / stage marts+audit / publish+summary s | full peak RSS MiB | +copies | incremental s | "
           "incremental peak RSS MiB |", "|---:|---|---:|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        m = r["full"]["marks"]
        a, b, c = m["start→core"] or 0, m["→links"] or 0, m["→audit passed"] or 0
        steps = f"{b - a:.1f} / {c - b:.1f} / {r['full']['wall_s'] - c:.1f}" if a and b and c else "-"
        out.append(f"| {r['copies']} | {r['after']['recommendations']:,} × {r['after']['sanctions']:,} | "
                   f"{r['after']['raw_events']:,} | {r['full']['wall_s']:.1f} | {steps} | {r['full']['rss_mib']:.0f} | "
                   f"{r['extra']} | {r['inc']['wall_s']:.1f} | {r['inc']['rss_mib']:.0f} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
