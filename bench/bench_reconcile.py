"""`netra reconcile` at growing scale: full rebuild and a 1 % incremental run, with time and peak memory.

    python bench/bench_reconcile.py [--copies 1,10,100] [--million] [--incremental 0.01]
        [--home DIR] [--land-only] [--rounds N] [--compare OTHER_CHECKOUT]

One embedded Postgres (no Kafka) in a temp NETRA_HOME, or in `--home DIR`, which is kept: a
later run with the same DIR reuses what is landed there and lands only the copies missing
(land 1M once with `--land-only`, then iterate). A season (scale 1.0: ~1.6k recommendations,
~1.7k sanctions, ~6.3k messages; `--fuzzy-rate` 0.1 of NIP typos, missing NIPs and look-alike
colleagues, so the fuzzy step and the review queue have work) is landed `copies` times, each
copy with its own ids (report, recommendation, sanction, event) and its own NIPs: nine digits
changed the same way for every NIP of the copy, at least five of them differently from any
other copy, so a person is never a NIP candidate of their own copy and NIP typos within a copy
stay typos. Copies share their places (agency names) in groups of 10 (PLACE_GROUP): a person
has up to 9 namesakes in their agency (the fuzzy step compares names where a NIP is missing),
not 666 (when every copy shared every place, the name-only pairs grew with the square of the
copies). Landing goes through the stages' own code without a broker:
`decode` (the contract check; the GX batch rules are left out, they reject nothing the
generator makes valid), `Enricher.process`, `Sink.process` and the sink's `PostgresWriter`
(COPY, conflict check, offsets).

Scales are cumulative: land up to the first scale, run `netra reconcile --full`, then land
`--incremental` of that scale more and run `netra reconcile` (incremental), then land up
to the next scale, and so on. `--million` adds the scale of ~1M recommendations × ~1M
sanctions (667 copies; landing it takes hours on 2 shared cores). Before each further
round (`--rounds`) the extra copies are deleted again, so every round starts from the same
data. Each reconcile runs as its own process (`netra reconcile`, as a user runs it); its wall
time, the time of each step (from its own output lines) and its peak RSS (ru_maxrss, through
a small `sh` parent so it is not inherited from this process) are reported. With `--compare`,
the reconcile of another checkout (e.g. `git worktree add /tmp/old main`) takes turns with
this one's, round by round in alternating order, each after its own `netra db migrate`.
"""
from __future__ import annotations

import argparse
import fcntl
import functools
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import REPO, Record, Stack, git_head, py_spy, say  # noqa: E402

NETRA = str(Path(sys.executable).parent / "netra")
MILLION_COPIES = 667
_ID_FIELDS = ("report_id", "recommendation_id", "sanction_id", "recommendation_ref")
_DIGIT = re.compile(r"[0-9]")


#: Digit positions of a NIP a copy changes: the birth year's last three digits, the CPNS year's last three
#: and the sequence number, so every date in it stays a real date.
_COPY_POSITIONS = (1, 2, 3, 9, 10, 11, 15, 16, 17)
#: Any two copies' NIPs of one person differ in at least this many digits: more than the fuzzy step's two
#: edits can explain (a substitution or a transposition each touch at most two, Hamming <= 4), so a person
#: is never a fuzzy candidate of their own copy. Shifting the 3-digit sequence number alone, as this bench
#: once did, made every copy of a person a NIP one or two edits away, with the same name in the same agency.
_COPY_DISTANCE = 5


@functools.cache
def _copy_codes(n: int = 1000) -> tuple[tuple[int, ...], ...]:
    """Per copy, the digits added (mod 10) at _COPY_POSITIONS: copy 0 adds nothing, any two differ in
    _COPY_DISTANCE positions or more (found greedily from a fixed seed, so every run lands the same NIPs).
    """
    rng = random.Random(11)
    words = [(0,) * len(_COPY_POSITIONS)]
    while len(words) < n:
        w = tuple(rng.randrange(10) for _ in _COPY_POSITIONS)
        if all(sum(a != b for a, b in zip(w, v)) >= _COPY_DISTANCE for v in words):
            words.append(w)
    return tuple(words)


def _nip(nip, copy: int):
    """The NIP of copy `copy`: the same digits changed the same way for every NIP of that copy, so NIP typos
    within a copy keep their position (formatting such as spaces is kept); anything that is not 18 digits
    (missing, malformed) is left as it is.
    """
    if not isinstance(nip, str) or copy == 0:
        return nip
    digits = _DIGIT.findall(nip)
    if len(digits) != 18:
        return nip
    for pos, add in zip(_COPY_POSITIONS, _copy_codes()[copy]):
        digits[pos] = str((int(digits[pos]) + add) % 10)
    out, k = [], 0
    for c in nip:
        if _DIGIT.fullmatch(c):
            out.append(digits[k])
            k += 1
        else:
            out.append(c)
    return "".join(out)


#: Copies that share their places (agency names): a person's copies in one group are namesakes in the same
#: agency without a NIP in common, as real namesakes are; copies in different groups never meet.
PLACE_GROUP = 10


def _agency(agency, copy: int):
    """The agency as copy `copy` names it: the place gets the copy group's tag ("Kabupaten Jepara" -> "Kabupaten
    Jepara G3"), so the fuzzy step compares a person only with the copies of their group; a name that names no
    place (kind_and_place None) stays as it is, so "no agency" stays no agency.
    """
    from netra.reference.agencies import kind_and_place

    group = copy // PLACE_GROUP
    if group == 0 or not isinstance(agency, str) or kind_and_place(agency) is None:
        return agency
    return f"{agency} G{group}"


def copy_line(obj: dict, copy: int) -> dict:
    """The event as it would be in copy `copy`: its own ids, NIPs and (per group of copies) places."""
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
        for name in ("agency", "ppk_agency"):
            if name in payload:
                payload[name] = _agency(payload[name], copy)
        if isinstance(payload.get("subjects"), list):
            for s in payload["subjects"]:
                if isinstance(s, dict) and "nip" in s:
                    s["nip"] = _nip(s["nip"], copy)
                if isinstance(s, dict) and "agency" in s:
                    s["agency"] = _agency(s["agency"], copy)
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


#: In a kept home (--home): what is landed there, so the next run lands only what is missing.
MANIFEST = "bench_reconcile.json"
#: Bumped when copy_line changes what a copy looks like: a home landed otherwise is not reused.
COPY_SCHEME = 3


def _mark(stack) -> str:
    conn = stack.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT max(ingested_at)::text FROM raw.events")
            return cur.fetchone()[0]
    finally:
        conn.close()


def save_manifest(stack, lander: Lander, fuzzy_rate: float) -> dict:
    """Record the copies landed so far and the landing time of the last one (events after it are extras)."""
    manifest = {"scheme": COPY_SCHEME, "fuzzy_rate": fuzzy_rate, "copies": lander.copies, "events": lander.events,
                "offset": lander.offset, "mark": _mark(stack)}
    (stack.home / MANIFEST).write_text(json.dumps(manifest))
    return manifest


def _timed_as_owner(stack, query: str) -> float:
    """Run one statement as the owner, outside a transaction (VACUUM needs that); its wall seconds."""
    t = time.monotonic()
    conn = stack.connect(owner=True)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(query)
    finally:
        conn.close()
    return time.monotonic() - t


def settle(stack) -> float:
    """VACUUM ANALYZE what a full reconcile rewrote, before the incremental run is timed: between a day's runs
    autovacuum has done that long since, while right after a full run it would work through the dead rows of a
    1M-row rebuild during the incremental one (and in one code's turn but not in the other's). Returns seconds.
    """
    return _timed_as_owner(stack, "VACUUM ANALYZE core.recommendations, core.sanctions, core.links, "
                                  "core.review_queue, core.fuzzy_pool, core.sanction_days, mart.followthrough, "
                                  "mart.followthrough_summary, mart.unlinked_sanctions, mart.review_queue")


def warm(stack) -> float:
    """Read every page of raw.events once, untimed, before the first timed run: when the page cache has lost the
    4 GB, the first full run would read them from disk and the later ones would not, so whichever code runs first
    would pay for it. Returns seconds.
    """
    return _timed_as_owner(stack, "SELECT count(payload), count(enrichment) FROM raw.events")


def rollback(stack, mark: str) -> int:
    """Remove the events landed after `mark` (the extra copies of an earlier incremental run); core and the
    marts are rebuilt by the next full reconcile. Returns the events removed.
    """
    conn = stack.connect(owner=True)  # the pipeline login may not delete landed events
    try:
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM raw.events WHERE ingested_at > %s", (mark,))
            removed = cur.rowcount
            cur.execute("DELETE FROM raw.rejected_events WHERE landed_at > %s", (mark,))
        if removed:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("VACUUM ANALYZE raw.events")
        return removed
    finally:
        conn.close()


def reconcile(as_of: date, full: bool, code: Path | None = None, profile: Path | None = None) -> dict:
    """`netra reconcile` in its own process; wall time, step times from its output, peak RSS.

    With `profile` (a folder), the process runs under `py-spy record --idle --threads` (collapsed stacks,
    `bench/profile_summary.py` reads them): idle samples count, so the main thread's waits on Postgres show
    where the wall time goes, and the Great Expectations import thread is told apart by its name. The peak
    RSS is then py-spy's or the reconcile's, whichever is larger.

    With `code` (another checkout of Netra), that checkout's `netra` runs instead, after its own
    `netra db migrate` (which puts back its functions and views); the next run of this checkout's code
    migrates back first. So old and new code can take turns on the same landed data.
    """
    cmd = [NETRA, "reconcile", "--as-of", as_of.isoformat()] + (["--full"] if full else [])
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        out = profile / f"reconcile-{'full' if full else 'incremental'}-{time.strftime('%H%M%S')}.txt"
        cmd = [py_spy(), "record", "-r", "50", "-f", "raw", "--idle", "--threads", "-o", str(out), "--"] + cmd
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)  # before the editable install's path entry: that checkout's netra
    if code is not None or reconcile.migrated_for is not None:
        subprocess.run([NETRA, "db", "migrate"], cwd=code or REPO, env=env, check=True, capture_output=True)
    reconcile.migrated_for = code
    # sh forks the command: its ru_maxrss is then its own, not inherited from this (large) process
    proc = subprocess.Popen(["sh", "-c", '"$@"', "sh", *cmd], cwd=code or REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    t0 = time.monotonic()
    marks = []
    assert proc.stdout is not None
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
    return {"wall_s": wall, "rss_mib": usage.ru_maxrss / 1024, "marks": steps, "output": [m for _, m in marks],
            "code": str(code) if code else "this checkout", "load": os.getloadavg()[0]}


reconcile.migrated_for = None  # type: ignore[attr-defined]


def main(argv=None) -> int:
    """Parse the command line, run the reconcile benchmark and print the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--copies", default="1,10,100", help="comma-separated scales, in season copies (~1.6k recs each)")
    p.add_argument("--million", action="store_true", help=f"also {MILLION_COPIES} copies (~1M × 1M; slow to land)")
    p.add_argument("--incremental", type=float, default=0.01, help="share of new copies for the incremental run")
    p.add_argument("--as-of", type=date.fromisoformat, default=date(2024, 2, 6))
    p.add_argument("--fuzzy-rate", type=float, default=0.1, help="the generator's NIP typos, missing NIPs and "
                   "look-alike colleagues (real BKPSDM exports have them), so the fuzzy step has work")
    p.add_argument("--home", type=Path, help="a NETRA_HOME to keep: what is landed there is reused by the next "
                   "run (only missing copies are landed; extra copies of an incremental run are removed again)")
    p.add_argument("--land-only", action="store_true", help="land up to the largest scale, reconcile nothing")
    p.add_argument("--rounds", type=int, default=1, help="full + incremental this many times per scale")
    p.add_argument("--compare", type=Path, help="another checkout of Netra: its reconcile takes turns with this "
                   "one's (A B / B A ...) on the same data")
    p.add_argument("--json", type=Path)
    p.add_argument("--profile", type=Path, help="run each reconcile under py-spy, collapsed stacks into this folder")
    args = p.parse_args(argv)
    scales = [int(c) for c in args.copies.split(",") if c] + ([MILLION_COPIES] if args.million else [])

    from producers.generate import generate_season

    rows = []
    head = git_head()
    load0 = os.getloadavg()[0]
    pg_port = int(os.environ["NETRA_PG_PORT"]) if os.environ.get("NETRA_PG_PORT") else None  # a kept home's
    # a kill ends the run through the Stack's exit, which stops its Postgres (a kept home's too)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.home:  # one benchmark per kept home at a time
        args.home.mkdir(parents=True, exist_ok=True)
        lock = open(args.home / "bench.lock", "w")  # noqa: SIM115 - held until the process ends
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"another benchmark is using {args.home}") from None
    with Stack(kafka=False, home=args.home, pg_port=pg_port) as stack:
        season = generate_season(stack.home / "season", scale=1.0, fuzzy_rate=args.fuzzy_rate)
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
        manifest = None
        if args.home and (stack.home / MANIFEST).exists():
            manifest = json.loads((stack.home / MANIFEST).read_text())
            if (manifest.get("scheme"), manifest.get("fuzzy_rate")) != (COPY_SCHEME, args.fuzzy_rate):
                raise SystemExit(f"{stack.home} was landed with another copy scheme or fuzzy rate; use a new --home")
            lander.copies, lander.events, lander.offset = manifest["copies"], manifest["events"], manifest["offset"]
            say(f"reusing {stack.home}: {lander.copies} copies landed; removed {rollback(stack, manifest['mark'])} "
                "events of earlier extra copies")
        codes = [None] if args.compare is None else [None, args.compare.resolve()]
        try:
            for scale in scales:
                if scale < lander.copies:
                    say(f"scale {scale} skipped: {stack.home} already holds {lander.copies} copies")
                    continue
                if scale > lander.copies:
                    n = scale - lander.copies
                    land_s = lander.land(n)
                    say(f"landed {n} copies ({lander.events:,} events so far) in {land_s:.0f}s")
                manifest = save_manifest(stack, lander, args.fuzzy_rate)
                if args.land_only:
                    continue
                say(f"  raw.events read once before the timed runs in {warm(stack):.0f}s")
                for round_no in range(args.rounds):
                    for code in (codes if round_no % 2 == 0 else codes[::-1]):
                        if lander.copies > manifest["copies"]:
                            rollback(stack, manifest["mark"])
                            lander.copies, lander.events, lander.offset = (manifest["copies"], manifest["events"],
                                                                           manifest["offset"])
                        full = reconcile(args.as_of, full=True, code=code, profile=args.profile)
                        before = counts(stack)
                        say(f"scale {scale} ({full['code']}): full reconcile {full['wall_s']:.1f}s, "
                            f"peak {full['rss_mib']:.0f} MiB ({before['recommendations']:,} recs × "
                            f"{before['sanctions']:,} sanctions), load {full['load']:.1f}")
                        extra = max(1, round(scale * args.incremental))
                        say(f"  vacuumed after the full run in {settle(stack):.0f}s")
                        lander.land(extra)
                        inc = reconcile(args.as_of, full=False, code=code, profile=args.profile)
                        after = counts(stack)
                        say(f"  +{extra} copies: incremental {inc['wall_s']:.1f}s, peak {inc['rss_mib']:.0f} MiB, "
                            f"load {inc['load']:.1f}")
                        rows.append(dict(copies=scale, extra=extra, before=before, full=full, inc=inc, after=after,
                                         load=os.getloadavg()[0], code=full["code"]))
        finally:
            lander.close()
    print(report(rows, head, load0))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))
    return 0


def report(rows, head, load0) -> str:
    """Render the rows as a Markdown report."""
    out = [f"Code {head}; load average (1 min) {load0:.2f} at the start.", "",
           "| copies | code | recommendations × sanctions (after the incremental) | raw.events | full s | "
           "core+links / stage marts+audit / publish+summary s | full peak RSS MiB | +copies | incremental s | "
           "incremental peak RSS MiB | load (full / inc) |", "|---:|---|---|---:|---:|---|---:|---:|---:|---:|---|"]
    for r in rows:
        m = r["full"]["marks"]
        a, b, c = m["start→core"] or 0, m["→links"] or 0, m["→audit passed"] or 0
        steps = f"{b - a:.1f} / {c - b:.1f} / {r['full']['wall_s'] - c:.1f}" if a and b and c else "-"
        out.append(f"| {r['copies']} | {r['code']} | {r['after']['recommendations']:,} × {r['after']['sanctions']:,} | "
                   f"{r['after']['raw_events']:,} | {r['full']['wall_s']:.1f} | {steps} | {r['full']['rss_mib']:.0f} | "
                   f"{r['extra']} | {r['inc']['wall_s']:.1f} | {r['inc']['rss_mib']:.0f} | "
                   f"{r['full']['load']:.1f} / {r['inc']['load']:.1f} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
