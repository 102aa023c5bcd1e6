"""Season generator, steps 2-3: the world cut at as_of into contract-v1 events, with delays, duplicates and
broken first attempts.
"""
from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import cast

from netra.contracts.codec import encode_event
from netra.contracts.events import EVENT_TYPES
from netra.contracts.vocabulary import WIB
from netra.reference import regions, sanction_types
from producers.generate_records import Case, DrawnSanction, Rec
from producers.generate_shape import BKN_FROM, add_months, utc_offset
from producers.generate_world import World

# ------------------------------------------------------------------ events and mess


@dataclass
class Msg:
    """One message as written to a topic file: the event, its bytes and when it arrives."""

    topic: str
    event: dict
    line: bytes
    arrival_utc: datetime
    order: int
    invalid_reason: str | None = None


def json_line(event: dict) -> bytes:
    """The event as one compact JSON line (UTF-8)."""
    return encode_event(event, sort_keys=False)


class Emitter:
    """Turns the world as of a day into events, then adds delays, duplicates and broken first attempts."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._order = 0
        self._ids: set[str] = set()
        self.valid: list[Msg] = []

    def _event_id(self) -> str:
        while True:
            eid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            if eid not in self._ids:
                self._ids.add(eid)
                return eid

    def _occurred(self, day: date, tz: timezone) -> datetime:
        # office hours, local time of the source
        rng = self.rng
        return datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59)), tz)

    def _arrival(self, occurred: datetime, source: str) -> datetime:
        rng = self.rng
        if source.startswith(("bkpsdm:", "bkd:")):
            # spreadsheet exports go out early the next month, via the import DAG
            first = add_months(occurred.date().replace(day=1), 1)
            return datetime.combine(first + timedelta(days=rng.randint(0, 9)), time(rng.randint(8, 16)), WIB)
        if rng.random() < 0.04:  # outage or backlog: a late batch
            return occurred + timedelta(days=rng.uniform(1, 20))
        return occurred + timedelta(minutes=rng.expovariate(1 / 90))

    def _emit(self, event_type: str, source: str, day: date, tz: timezone, payload: dict) -> None:
        occurred = self._occurred(day, tz)
        event = {"event_id": self._event_id(), "event_type": event_type, "schema_version": 1,
                 "source": source, "occurred_at": occurred.isoformat(), "payload": payload}
        self._order += 1
        arrival = self._arrival(occurred, source).astimezone(UTC)
        self.valid.append(Msg(EVENT_TYPES[event_type].topic, event, json_line(event), arrival, self._order))

    # -- per event type

    def _report_events(self, case: Case, as_of: date, election_id: str) -> None:
        source, tz = f"bawaslu:{case.region_code}", utc_offset(case.region_code)
        subjects = [{"nip": a.nip if known else None, "name": a.name, "agency": a.agency, "position": a.position}
                    for a, known in zip(case.subjects, case.nip_known)]
        self._emit("report.filed", source, case.filed_on, tz, {
            "report_id": case.report_id, "kind": case.kind, "election_id": election_id,
            "region_code": case.region_code, "filed_on": case.filed_on.isoformat(), "category": case.category,
            "subjects": subjects, "reporter": case.reporter, "summary": case.summary})
        if case.decided_on <= as_of:
            self._emit("report.decided", source, case.decided_on, tz, {
                "report_id": case.report_id, "decision": case.decision, "decided_on": case.decided_on.isoformat(),
                "proven_nips": [a.nip for a in case.proven]})

    def _rec_events(self, rec: Rec, as_of: date) -> None:
        self._emit("recommendation.issued", rec.issuer, rec.issued_on, WIB, {
            "recommendation_id": rec.recommendation_id, "report_id": rec.case.report_id, "nip": rec.nip_field,
            "issuer": rec.issuer, "level": rec.level, "sanction_code": rec.sanction_code,
            "ppk_agency": rec.asn.agency, "issued_on": rec.issued_on.isoformat()})
        if rec.closed_on is not None and rec.closed_on <= as_of:
            self._emit("recommendation.closed", "kasn" if rec.closed_on < BKN_FROM else "bkn", rec.closed_on, WIB, {
                "recommendation_id": rec.recommendation_id, "reason": rec.close_reason,
                "closed_on": rec.closed_on.isoformat()})

    def _sanction_events(self, s: DrawnSanction, as_of: date) -> None:
        tz = WIB if s.source == "bkn" else utc_offset(s.asn.employer_region)
        # the date-sanity rule rejects a start after "today"; as of as_of, the start cannot be later
        effective_from = min(s.effective_from, as_of)
        self._emit("sanction.imposed", s.source, s.decree_date, tz, {
            "sanction_id": s.sanction_id, "nip": s.nip_field, "name": s.name_field, "agency": s.asn.agency,
            "sanction_code": s.code, "decree_date": s.decree_date.isoformat(),
            "effective_from": effective_from.isoformat(),
            "effective_to": s.effective_to.isoformat() if s.effective_to else None,
            "recommendation_ref": s.recommendation_ref, "reason": s.reason})
        if s.revoked_on is not None and s.revoked_on <= as_of:
            self._emit("sanction.revoked", s.source, s.revoked_on, tz, {
                "sanction_id": s.sanction_id, "revoked_on": s.revoked_on.isoformat(), "reason": s.revoke_reason})

    def events(self, world: World, as_of: date) -> list[Msg]:
        """Valid events of everything that had happened by `as_of` (business dates)."""
        for case in world.cases:
            if case.filed_on <= as_of:
                self._report_events(case, as_of, world.election_id)
        for rec in world.recs:
            if rec.issued_on <= as_of:
                self._rec_events(rec, as_of)
        for s in world.sanctions:
            if s.decree_date <= as_of:
                self._sanction_events(s, as_of)
        return list(self.valid)

    # -- mess

    def with_mess(self, valid: list[Msg], duplicate_rate: float, invalid_rate: float) -> list[Msg]:
        """The valid messages plus re-sent duplicates and broken first attempts (invalid events)."""
        rng = self.rng
        out = list(valid)
        # re-sent duplicates: same bytes, a little (or a lot) later
        for m in rng.sample(valid, min(len(valid), round(len(valid) * duplicate_rate))):
            self._order += 1
            delay = timedelta(minutes=rng.uniform(1, 4320))
            out.append(Msg(m.topic, m.event, m.line, m.arrival_utc + delay, self._order))
        # broken first attempts, each an extra event with a fresh event_id, sent before the good one
        n_invalid = round(len(valid) * invalid_rate)
        # the candidates of each breaker, found once (not once per broken event: that was quadratic)
        candidates_of = {kind.reason: [m for m in valid if kind.applies(m.event)] for kind in _BREAKERS} \
            if n_invalid else {}
        for i in range(n_invalid):
            kind = _BREAKERS[i % len(_BREAKERS)]
            candidates = candidates_of[kind.reason]
            if not candidates:
                continue
            m = rng.choice(candidates)
            broken = json.loads(m.line)
            broken["event_id"] = self._event_id()
            kind.breaks(broken, rng)
            self._order += 1
            early = timedelta(minutes=rng.uniform(10, 2880))
            out.append(Msg(m.topic, broken, json_line(broken), m.arrival_utc - early, self._order, kind.reason))
        return out


# ------------------------------------------------------------------ deliberately invalid events

#: Payload fields that the contract requires, per type (none has a default).
_REQUIRED = {
    "report.filed": ("report_id", "kind", "election_id", "region_code", "filed_on", "category", "subjects", "reporter"),
    "report.decided": ("report_id", "decision", "decided_on"),
    "recommendation.issued": ("recommendation_id", "report_id", "nip", "issuer", "level", "ppk_agency", "issued_on"),
    "recommendation.closed": ("recommendation_id", "reason", "closed_on"),
    "sanction.imposed": ("sanction_id", "nip", "name", "agency", "sanction_code", "decree_date", "effective_from"),
    "sanction.revoked": ("sanction_id", "revoked_on", "reason"),
}
#: Digits 1-8 of a NIP that are no date (month 13, 30 February, day 0, day 45).
_BAD_BIRTH = ("1345", "0230", "0900", "1145")
_UNKNOWN_REGIONS = ("99.99", "33.99", "34.50")
_UNKNOWN_CODES = (99, 26, 15)


def _nip_holder(event: dict) -> dict | None:
    """The dict whose `nip` a domain-rule breaker may spoil, if this event has one."""
    p = event["payload"]
    if event["event_type"] in ("recommendation.issued", "sanction.imposed") and p.get("nip"):
        return p
    if event["event_type"] == "report.filed":
        return next((s for s in p["subjects"] if s["nip"]), None)
    return None


def _drop_required(event: dict, rng: random.Random) -> None:
    del event["payload"][rng.choice(_REQUIRED[event["event_type"]])]


def _bad_birth_date(event: dict, rng: random.Random) -> None:
    holder = cast(dict, _nip_holder(event))  # the breaker applies only to events that have one
    nip = holder["nip"].replace(" ", "")
    holder["nip"] = nip[:4] + rng.choice(_BAD_BIRTH) + nip[8:]


def _unknown_region(event: dict, rng: random.Random) -> None:
    event["payload"]["region_code"] = rng.choice([c for c in _UNKNOWN_REGIONS if c not in regions()])


def _unknown_code(event: dict, rng: random.Random) -> None:
    event["payload"]["sanction_code"] = rng.choice([c for c in _UNKNOWN_CODES if c not in sanction_types()])


@dataclass(frozen=True)
class _Breaker:
    reason: str  # expected reason-code prefix
    applies: Callable[[dict], bool]
    breaks: Callable[[dict, random.Random], None]


_BREAKERS = (
    _Breaker("schema.required", lambda e: True, _drop_required),
    _Breaker("nip.birth_date_invalid", lambda e: _nip_holder(e) is not None, _bad_birth_date),
    _Breaker("region.unknown", lambda e: e["event_type"] == "report.filed", _unknown_region),
    _Breaker("sanction.unknown_code", lambda e: e["event_type"] == "sanction.imposed", _unknown_code),
)
