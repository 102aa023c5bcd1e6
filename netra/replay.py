"""`netra replay`: re-enrich events already landed in raw.events with the reference data installed now.

After the ingress retention (NETRA_INGRESS_RETENTION_DAYS) raw.events is the system of record, so
when reference data changes (a new region code, an agency alias, a corrected sanction type) the
landed events are enriched again from there, in place: each selected row is rebuilt into the
exact event that landed, run through the enricher stage's own `process()` (passed in by
netra.cli: the core package never imports the consumers), checked against `EnrichedEvent` as the
sink checks it, and only when its enrichment changed is the row rewritten, in the same
transaction that locked it. The README ("Privacy: bounded retention of identity") says why this
is not a re-send through Kafka.

What a replay may change, and what it may not:

* only `enrichment` (and the bookkeeping columns `ingested_at`, `first_ingested_at`,
  `replay_id`, migration 0027). `ingested_at` moves to the time of the rewrite, so the next
  incremental `netra reconcile` reads the row again. Body, event id, Kafka position and
  `body_sha256` stay: an event is rebuilt only when its digest is the stored one.
* never a pseudonym. The reporter's NIK and name were never stored; the stored `reporter_key`
  travels to the enricher in the sealed `netra.reporter_key` header, exactly as `netra dlq
  replay` carries it. `asn_key`s are recomputed from the stored NIPs and must come out equal: if
  one would change, NETRA_HMAC_KEY is not the key these events were enriched with, and the whole
  run stops (`KeyMismatch`) before anything of that batch is written.

Re-running is harmless: an event whose enrichment is already current is not rewritten, so a
second run reports 0 re-enriched and gives reconcile nothing new to read.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple, Protocol

from netra.contracts.codec import body_sha256, encode_event
from netra.contracts.decode import decode_enriched
from netra.contracts.events import EVENT_TYPES, key_for
from netra.contracts.headers import H_REASONS, H_REPORTER_KEY
from netra.contracts.topics import TOPIC_VALID
from netra.contracts.vocabulary import WIB
from netra.enrichment import seal_reporter_key

Say = Callable[[str], None]

#: The flags that select events; one of them is required (a replay of everything says --all).
FILTER_FLAGS = ("--type", "--since", "--until", "--source", "--all")
#: --by: which time --since/--until compare. `ingested_at` means when the event first landed.
TIME_COLUMNS = {"occurred_at": "e.occurred_at", "ingested_at": "coalesce(e.first_ingested_at, e.ingested_at)"}
#: Events per transaction: rows locked, re-enriched and rewritten together.
BATCH_SIZE = 2000
#: One replay at a time (netra.warehouse.db's migrations hold 8241001).
ADVISORY_LOCK = 8241002
_EXAMPLES = 5
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class ReplayError(Exception):
    """A replay that cannot run or must stop; the message says what to do."""


class FilterError(ReplayError, ValueError):
    """The command line's selection is missing or inconsistent."""


class KeyMismatch(ReplayError):
    """Re-enrichment would change a pseudonym: NETRA_HMAC_KEY is not the enricher's key."""


class EnrichStage(Protocol):
    """What a replay needs of the enricher stage (consumers.enricher.Enricher)."""

    stats: dict

    def process(self, records: Sequence) -> Any:
        """Outcome with `forward` (messages for events.enriched) and `rejected` (for events.dlq)."""
        ...


class LandedRecord(NamedTuple):
    """A landed event presented to the enricher as the events.valid message it once was."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


class LandedRow(NamedTuple):
    """The raw.events columns a replay reads."""

    event_id: str
    event_type: str
    schema_version: int
    source: str
    occurred_at: datetime
    payload: dict
    enrichment: dict
    body_sha256: str


# ---------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """Which landed events to replay (every given filter applies; `everything` stands for none)."""

    types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    by: str = "occurred_at"
    source: str | None = None
    everything: bool = False

    def describe(self) -> str:
        """The selection as command-line flags."""
        if self.everything:
            return "--all"
        parts = [f"--type {t}" for t in self.types]
        parts += [f"--since {self.since.isoformat()}"] if self.since else []
        parts += [f"--until {self.until.isoformat()} (before)"] if self.until else []
        parts += [f"--by {self.by}"] if (self.since or self.until) and self.by != "occurred_at" else []
        parts += [f"--source {self.source}"] if self.source else []
        return " ".join(parts)

    def as_json(self) -> dict:
        """The selection for raw.replays.filters."""
        return {"types": list(self.types), "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None, "by": self.by, "source": self.source,
                "all": self.everything}

    def where(self) -> tuple[str, dict]:
        """SQL condition on raw.events (alias e) and its parameters."""
        conditions: list[str] = []
        params: dict[str, Any] = {}
        if self.types:
            conditions.append("e.event_type = ANY(%(types)s)")
            params["types"] = list(self.types)
        column = TIME_COLUMNS[self.by]
        if self.since:
            conditions.append(f"{column} >= %(since)s")
            params["since"] = self.since
        if self.until:
            conditions.append(f"{column} < %(until)s")
            params["until"] = self.until
        if self.source:
            # as `netra dlq --source`: the exact source, or a whole source domain (what comes before ':')
            conditions.append("(e.source = %(source)s OR (strpos(%(source)s, ':') = 0 "
                              "AND split_part(e.source, ':', 1) = %(source)s))")
            params["source"] = self.source
        return (" AND ".join(conditions) or "TRUE"), params


def parse_bound(value: str, flag: str, *, end: bool) -> datetime:
    """--since/--until: a day `YYYY-MM-DD` (a WIB calendar day, included whole) or an RFC 3339 time with an offset.

    A day gives its first instant, or with `end` the first instant of the next day (bounds are
    `since <= t < until`); a time is an exact bound.
    """
    if _DAY.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise FilterError(f"{flag} {value!r} is not a calendar day") from None
        return datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time(), WIB)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{flag} {value!r} is neither a day (YYYY-MM-DD, WIB) nor a time with an offset "
                          "(2024-02-14T08:00:00+07:00)") from None
    if moment.tzinfo is None:
        raise FilterError(f"{flag} {value!r} has no UTC offset: add one (e.g. +07:00) or give a day")
    return moment


def selection(types: Iterable[str] = (), since: str | None = None, until: str | None = None,
              by: str = "occurred_at", source: str | None = None, everything: bool = False) -> Selection:
    """Check the command line's filters; raises FilterError with what to give instead."""
    types = tuple(dict.fromkeys(types or ()))
    given = bool(types or since or until or source)
    if not given and not everything:
        raise FilterError("netra replay needs a selection of landed events: --type EVENT_TYPE (repeatable), "
                          "--since/--until DAY (occurred_at; --by ingested_at for when they landed), "
                          "--source SOURCE (e.g. bkpsdm:33.72, or bkpsdm for the whole domain), "
                          "or --all for every landed event")
    if everything and given:
        raise FilterError("--all selects every landed event: give it alone, or the filters without it")
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise FilterError(f"unknown event type {unknown[0]!r}; event types: {', '.join(EVENT_TYPES)}")
    if by not in TIME_COLUMNS:
        raise FilterError(f"--by {by!r}: choose occurred_at or ingested_at")
    if by != "occurred_at" and not (since or until):
        raise FilterError("--by says which time --since/--until compare: give --since or --until with it")
    if source is not None and not source.strip():
        raise FilterError("--source needs a source (e.g. bawaslu:33.72) or a source domain (bawaslu)")
    low = parse_bound(since, "--since", end=False) if since else None
    high = parse_bound(until, "--until", end=True) if until else None
    if low and high and low >= high:
        raise FilterError(f"--since {since} is not before --until {until}: nothing could match")
    return Selection(types, low, high, by, source.strip() if source else None, everything)


# ---------------------------------------------------------------- one event

#: Offsets tried first when rebuilding occurred_at (Indonesia's three zones, then UTC), after the
#: offset that rebuilt the previous event of the same source.
_PREFERRED = tuple(timedelta(hours=h) for h in (7, 8, 9, 0))
_QUARTER_HOURS = tuple(timedelta(minutes=15 * q) for q in range(-12 * 4, 14 * 4 + 1))


def _timestamp_adapter():
    from pydantic import TypeAdapter

    from netra.contracts.events import Timestamp

    return TypeAdapter(Timestamp)


_TIMESTAMP = _timestamp_adapter()


def render_occurred_at(instant: datetime, offset: timedelta) -> str:
    """`instant` as the contract serialises a timestamp given at `offset` (what the validator forwarded)."""
    return _TIMESTAMP.dump_python(instant.astimezone(timezone(offset)), mode="json")


def rebuild(row: LandedRow, prefer: Sequence[timedelta] = ()) -> tuple[dict, timedelta] | None:
    """The exact event that landed as `row` (its body digest is the stored one) and the offset of its occurred_at.

    raw.events keeps occurred_at as an instant; the event said it at some UTC offset, which the
    enrichment needs (bands are computed on the local calendar day). The offset is found by
    digest: the first candidate whose body hashes to `body_sha256`. None when no candidate does.
    """
    base = {"event_type": row.event_type, "schema_version": row.schema_version, "source": row.source,
            "payload": row.payload}
    offsets = dict.fromkeys((*prefer, *_PREFERRED, *_QUARTER_HOURS))
    for event_id in dict.fromkeys((row.event_id, row.event_id.upper())):  # a uuid column forgets the case
        for offset in offsets:
            event = {"event_id": event_id, **base, "occurred_at": render_occurred_at(row.occurred_at, offset)}
            if body_sha256(event) == row.body_sha256:
                return event, offset
    return None


def pseudonyms(enrichment: dict) -> tuple:
    """Every pseudonym in an enrichment object (asn keys, reporter key), in a comparable form."""
    asn = enrichment.get("asn")
    return (enrichment.get("reporter_key"),
            tuple(s.get("asn_key") for s in enrichment.get("subjects") or ()),
            asn.get("asn_key") if isinstance(asn, dict) else None,
            tuple(enrichment.get("proven_asn_keys") or ()))


@dataclass(frozen=True)
class Rerun:
    """What the enricher made of one landed event: its new enrichment, or why it is left as landed."""

    enrichment: dict | None = None
    skipped: str | None = None
    offset: timedelta | None = None


def rerun(enricher: EnrichStage, secret: bytes, row: LandedRow, prefer: Sequence[timedelta] = ()) -> Rerun:
    """Run one landed event through the enricher stage as an events.valid message, checked as the sink checks it.

    Raises KeyMismatch when a pseudonym would change.
    """
    rebuilt = rebuild(row, prefer)
    if rebuilt is None:
        return Rerun(skipped="not rebuilt: no UTC offset of occurred_at gives the stored body_sha256")
    event, offset = rebuilt
    stored_key = row.enrichment.get("reporter_key")
    headers = [(H_REPORTER_KEY, seal_reporter_key(secret, stored_key).encode())] if stored_key else []
    record = LandedRecord(TOPIC_VALID, -1, -1, key_for(event), encode_event(event), headers)
    outcome = enricher.process([record])
    if outcome.rejected:
        reasons = dict(outcome.rejected[0].headers).get(H_REASONS, b"[]").decode()
        return Rerun(skipped=f"refused by the enricher: {', '.join(json.loads(reasons))}", offset=offset)
    decoded = decode_enriched(outcome.forward[0].value)
    if not decoded.ok:
        return Rerun(skipped=f"the sink would refuse the result: {', '.join(decoded.reasons)}", offset=offset)
    enriched = decoded.event or {}
    if body_sha256(enriched) != row.body_sha256:
        return Rerun(skipped="the enricher changed the event's body", offset=offset)
    if pseudonyms(enriched["enrichment"]) != pseudonyms(row.enrichment):
        raise KeyMismatch(
            f"re-enriching event {row.event_id} would change its pseudonyms: NETRA_HMAC_KEY is not the key "
            "these events were enriched with. Set the enricher's key and run again (nothing of this batch "
            "was written).")
    return Rerun(enrichment=enriched["enrichment"], offset=offset)


# ---------------------------------------------------------------- the run


@dataclass
class TypeCounts:
    """Per event type: selected, rewritten with a changed enrichment, and left as landed."""

    matched: int = 0
    reenriched: int = 0
    skipped: int = 0


@dataclass
class ReplayReport:
    """What a replay did (or, dry, would do)."""

    selection: Selection
    dry_run: bool
    replay_id: int | None = None
    by_type: dict[str, TypeCounts] = field(default_factory=dict)
    #: "event_id: why" for the first few events left as landed
    examples: list[str] = field(default_factory=list)
    #: agency names still without a canonical agency in the re-enriched events (the enricher's count)
    agency_unmatched: int = 0

    @property
    def matched(self) -> int:
        """Events selected."""
        return sum(c.matched for c in self.by_type.values())

    @property
    def reenriched(self) -> int:
        """Events whose enrichment changed (rewritten, or with dry_run to be)."""
        return sum(c.reenriched for c in self.by_type.values())

    @property
    def skipped(self) -> int:
        """Events left as landed because they could not be re-enriched."""
        return sum(c.skipped for c in self.by_type.values())


_SELECT = """
SELECT e.event_id::text, e.event_type, e.schema_version, e.source, e.occurred_at, e.payload, e.enrichment,
       e.body_sha256
FROM pg_temp.replay_todo t JOIN raw.events e USING (event_id)
WHERE t.event_id > %(after)s::uuid
ORDER BY t.event_id
LIMIT %(limit)s
"""
# the body digest is checked again: a replay rewrites the enrichment of exactly the body it re-enriched
_REWRITE = """
UPDATE raw.events e
SET enrichment = v.enrichment::jsonb, first_ingested_at = coalesce(e.first_ingested_at, e.ingested_at),
    ingested_at = now(), replay_id = v.replay_id::bigint
FROM (VALUES %s) AS v(event_id, enrichment, body_sha256, replay_id)
WHERE e.event_id = v.event_id::uuid AND e.body_sha256 = v.body_sha256
"""


def replay(conn, enricher: EnrichStage, sel: Selection, *, secret: bytes, dry_run: bool = False,
           batch_size: int = BATCH_SIZE, say: Say = print) -> ReplayReport:
    """Re-enrich the selected landed events with `enricher`; rewrite those whose enrichment changed.

    The selection is fixed when the run starts (events landing meanwhile are the running
    enricher's). Each batch is one transaction: rows locked (FOR UPDATE), re-enriched, the changed
    ones rewritten; a crash loses at most the batch in hand, and running again finishes the job.
    With `dry_run` nothing is written and no row is locked. One replay at a time (advisory lock).
    """
    from psycopg2.extras import Json, execute_values

    report = ReplayReport(sel, dry_run)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK,))
        if not cur.fetchone()[0]:
            raise ReplayError("another `netra replay` is running on this warehouse: wait for it to finish")
    try:
        where, params = sel.where()
        with conn, conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS pg_temp.replay_todo")
            cur.execute("CREATE TEMP TABLE replay_todo (event_id uuid PRIMARY KEY, event_type text NOT NULL) "
                        "ON COMMIT PRESERVE ROWS")
            cur.execute("INSERT INTO pg_temp.replay_todo (event_id, event_type) "
                        "SELECT e.event_id, e.event_type FROM raw.events e "
                        f"WHERE {where}", params)
            cur.execute("SELECT event_type, count(*) FROM pg_temp.replay_todo GROUP BY 1 ORDER BY 1")
            report.by_type = {t: TypeCounts(matched=n) for t, n in cur.fetchall()}
        if not report.matched:
            say(f"no landed event matches {sel.describe()}: nothing to replay")
            return report
        say(f"replay{' (dry run)' if dry_run else ''}: {report.matched} landed event(s) match {sel.describe()}")
        if not dry_run:
            with conn, conn.cursor() as cur:
                cur.execute("INSERT INTO raw.replays (filters) VALUES (%s) RETURNING replay_id",
                            (Json(sel.as_json()),))
                report.replay_id = cur.fetchone()[0]
        unmatched_before = enricher.stats.get("agency_unmatched", 0)
        offsets: dict[str, timedelta] = {}  # source -> the offset its last event was rebuilt with
        after, done = "00000000-0000-0000-0000-000000000000", 0
        while True:
            with conn, conn.cursor() as cur:
                cur.execute(_SELECT + ("" if dry_run else " FOR UPDATE OF e"), {"after": after, "limit": batch_size})
                rows = [LandedRow(*r) for r in cur.fetchall()]
                if not rows:
                    break
                changed = []
                for row in rows:
                    counts = report.by_type[row.event_type]
                    known = offsets.get(row.source)
                    result = rerun(enricher, secret, row, (known,) if known is not None else ())
                    if result.offset is not None:
                        offsets[row.source] = result.offset
                    if result.skipped:
                        counts.skipped += 1
                        if len(report.examples) < _EXAMPLES:
                            report.examples.append(f"{row.event_id}: {result.skipped}")
                    elif result.enrichment != row.enrichment:
                        counts.reenriched += 1
                        changed.append((row.event_id, json.dumps(result.enrichment, ensure_ascii=False),
                                        row.body_sha256, report.replay_id))
                if changed and not dry_run:
                    execute_values(cur, _REWRITE, changed, page_size=len(changed))
                    if cur.rowcount != len(changed):  # the rows are locked: only a bug gets here
                        raise ReplayError(f"rewrote {cur.rowcount} of {len(changed)} rows; rolled back")
            after, done = rows[-1].event_id, done + len(rows)
            if report.matched > 10 * batch_size and done % (10 * batch_size) < batch_size:
                say(f"  {done} of {report.matched} events re-run through the enricher")
        report.agency_unmatched = enricher.stats.get("agency_unmatched", 0) - unmatched_before
        if not dry_run:
            with conn, conn.cursor() as cur:
                cur.execute(
                    "UPDATE raw.replays SET finished_at = now(), matched = %s, reenriched = %s, skipped = %s, "
                    "by_type = %s WHERE replay_id = %s",
                    (report.matched, report.reenriched, report.skipped,
                     Json({t: vars(c) for t, c in report.by_type.items()}), report.replay_id))
        for line in summary(report):
            say(line)
        return report
    finally:
        if not conn.closed:
            conn.rollback()
            with conn, conn.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS pg_temp.replay_todo")
                cur.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK,))


def summary(report: ReplayReport) -> list[str]:
    """The lines `netra replay` prints after a run: per event type, totals, what to do next."""
    verb = "would re-enrich" if report.dry_run else "re-enriched"
    width = max(len(t) for t in report.by_type)
    lines = [f"  {t:<{width}}  {c.matched:>7} matched, {c.reenriched:>7} {verb}, "
             f"{c.matched - c.reenriched - c.skipped:>7} already current"
             + (f", {c.skipped} left as landed" if c.skipped else "")
             for t, c in sorted(report.by_type.items())]
    if report.dry_run:
        lines.append(f"dry run: {report.reenriched} of {report.matched} event(s) would get a new enrichment; "
                     "nothing was written")
    else:
        lines.append(f"{verb} {report.reenriched} of {report.matched} event(s) with the current reference data "
                     f"(replay {report.replay_id} in raw.replays)"
                     + ("; the next `netra reconcile` reads them" if report.reenriched else "; nothing changed"))
    if report.agency_unmatched:
        lines.append(f"agency names still without a canonical agency in these events: {report.agency_unmatched} "
                     "(raw.unmatched_agencies lists them)")
    if report.skipped:
        lines.append(f"{report.skipped} event(s) left as landed, e.g.:")
        lines += [f"  {e}" for e in report.examples]
    return lines
