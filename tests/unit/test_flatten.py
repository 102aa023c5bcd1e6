"""`expectations.events.flatten` builds exactly the frame of the plain form it replaced (kept here as the reference).

The reference below is the flattening as it was before it was made cheaper (BENCHMARKS.md, issue 11): one
generator per event yielding (field path, value columns). Same rows, same order, same values and types.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd

from expectations import events as ev
from expectations.events import (
    BOUNDED_DATE_FIELDS,
    CPNS_MIN_AGE_YEARS,
    NOT_A_DAY,
    NOT_A_MONTH,
    OPEN_DATE_FIELDS,
    VALUE_COLUMNS,
    _day,
)

# ---------------------------------------------------------------- the reference (the code as it was)


def _ref_nip_values(nip: str) -> dict[str, Any]:
    """Column values for one normalised 18-digit NIP (`YYYYMMDD YYYYMM G NNN`)."""
    birth, cpns, sex = nip[0:8], nip[8:14], nip[14:15]
    birth_day = _day(int(birth[0:4]), int(birth[4:6]), int(birth[6:8])) if birth.isdigit() else None
    cpns_month = _day(int(cpns[0:4]), int(cpns[4:6]), 1) if cpns.isdigit() and len(cpns) == 6 else None
    earliest = (
        date(birth_day.year + CPNS_MIN_AGE_YEARS, birth_day.month, 1)
        if birth_day is not None and birth_day.year + CPNS_MIN_AGE_YEARS <= 9999
        else None
    )
    return {
        "nip_birth_day": NOT_A_DAY if birth_day is None else birth_day,
        "nip_cpns_month": NOT_A_MONTH if cpns_month is None else cpns_month,
        "nip_cpns_earliest": earliest,
        "nip_sex": sex,
    }


def _nips(payload: dict) -> Iterator[tuple[str, str]]:
    """(path, NIP) for every NIP the payload carries."""
    for i, subject in enumerate(payload.get("subjects") or ()):
        if subject.get("nip") is not None:
            yield f"payload.subjects.{i}.nip", subject["nip"]
    for i, nip in enumerate(payload.get("proven_nips") or ()):
        yield f"payload.proven_nips.{i}", nip
    if payload.get("nip") is not None:
        yield "payload.nip", payload["nip"]


def _ref_nik_values(nik: str) -> dict[str, Any]:
    day = int(nik[6:8])
    day = day - 40 if day > 40 else day  # women: 40 is added to the day
    return {"nik_region": f"{nik[0:2]}.{nik[2:4]}", "nik_birth": f"{day:02d}{nik[8:12]}"}


def _checked_values(event: dict, report_subjects=None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field path, value columns) for every value of one event that a rule applies to.

    Field names are unique to their event types in contract v1 (region_code and
    election_id only occur in report.filed, sanction_code in sanction.imposed and
    recommendation.issued), so looking fields up by name is enough.
    """
    payload = event.get("payload") or {}
    for path, nip in _nips(payload):
        yield path, _ref_nip_values(nip)
    reporter = payload.get("reporter") or {}
    if reporter.get("nik"):
        yield "payload.reporter.nik", _ref_nik_values(reporter["nik"])
    if report_subjects is not None and event.get("event_type") == "report.decided":
        known = report_subjects.get(payload.get("report_id"))
        if known is not None:  # only when the report has been seen
            nips, without_nip = known
            # A subject reported without a NIP may be identified during klarifikasi:
            # each such subject can account for one proven NIP not named in the report.
            spare = without_nip
            for i, nip in enumerate(payload.get("proven_nips") or ()):
                ok = nip in nips or spare > 0
                if nip not in nips and spare > 0:
                    spare -= 1
                yield f"payload.proven_nips.{i}", {"proven_is_subject": ok}
    for name in ("region_code", "election_id", "sanction_code"):
        if payload.get(name) is not None:
            yield f"payload.{name}", {name: payload[name]}
    for name in BOUNDED_DATE_FIELDS:
        if payload.get(name) is not None:
            yield f"payload.{name}", {"day": date.fromisoformat(payload[name])}
    for name in OPEN_DATE_FIELDS:
        if payload.get(name) is not None:
            yield f"payload.{name}", {"day_open": date.fromisoformat(payload[name])}


def reference_flatten(events: list[dict], report_subjects=None) -> tuple[pd.DataFrame, list[int], list[str]]:
    """One row per checked value of the batch: (frame, event index per row, field path per row).

    Row `row_id` of the frame is the position in the two lists. `report_subjects` maps
    report_id -> (set of its subjects' NIPs, number of subjects reported without a NIP),
    for the reports seen so far; a decision whose report is not in it skips the
    proven-subset rule.
    """
    event_index: list[int] = []
    paths: list[str] = []
    # Each row fills one or a few value columns: collect them sparsely, (row_id, value).
    filled: dict[str, list[tuple[int, Any]]] = {name: [] for name in VALUE_COLUMNS}
    for index, event in enumerate(events):
        for path, values in _checked_values(event, report_subjects):
            row_id = len(paths)
            event_index.append(index)
            paths.append(path)
            for name, value in values.items():
                filled[name].append((row_id, value))

    columns: dict[str, Any] = {"row_id": range(len(paths))}
    for name, cells in filled.items():
        column: list[Any] = [None] * len(paths)
        for row_id, value in cells:
            column[row_id] = value
        # object dtype keeps dates as dates and codes as ints next to the nulls.
        columns[name] = pd.Series(column, dtype=object)
    return pd.DataFrame(columns), event_index, paths


# ---------------------------------------------------------------- the check


def assert_same_flattening(events, reports):
    got, got_index, got_paths = ev.flatten(events, reports)
    want, want_index, want_paths = reference_flatten(events, reports)
    assert (got_index, got_paths) == (want_index, want_paths)
    assert list(got.columns) == list(want.columns) and list(got.dtypes) == list(want.dtypes)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for name in VALUE_COLUMNS:  # equal values of equal types: a date stays a date, True stays a bool
        assert [(type(v), v) for v in got[name]] == [(type(v), v) for v in want[name]], name


def _odd_nips():
    return ["198609262015051001", "198602302015051001", "198609262015131001", "000000000000000000",
            "999912319999121999", "198609262004051001", "198609262015051301", "19860926201505100X"[:18],
            "abcdefgh2015051001", "19860926abcdef1001"]


def test_flatten_matches_the_reference_on_a_season_and_odd_values(tmp_path):
    from consumers.validator import ReportIndex
    from netra.contracts.decode import decode
    from producers.generate import generate_season

    season = generate_season(tmp_path, seed=3, scale=0.3, fuzzy_rate=0.3)
    events = []
    for topic, path in season.files.items():
        for line in open(path, "rb"):
            decoded = decode(line.rstrip(b"\n"), topic)
            if decoded.ok:
                events.append(decoded.event)
    reports = ReportIndex()
    for event in events[: len(events) // 2]:  # half the filings seen: decisions with and without a known report
        reports.remember(event)
    odd = []
    for i, nip in enumerate(_odd_nips()):
        odd.append({"event_type": "report.filed", "payload": {
            "report_id": f"r{i}", "region_code": "33.72", "election_id": "pilkada-2020", "filed_on": "2020-10-01",
            "subjects": [{"nip": nip}, {"nip": None}, {"nip": "198001012005011002"}],
            "reporter": {"type": "voter", "nik": "3372016609860001" if i % 2 else None}}})
        odd.append({"event_type": "report.decided", "payload": {
            "report_id": f"r{i}", "decided_on": "2020-11-01", "proven_nips": [nip, "199001012015012001", nip]}})
        odd.append({"event_type": "sanction.imposed", "payload": {
            "nip": nip, "sanction_code": 0 if i % 3 else 99, "decree_date": "2021-01-04",
            "effective_from": "2021-01-04", "effective_to": None if i % 2 else "2022-01-04"}})
    odd.append({"event_type": "recommendation.closed", "payload": {"closed_on": "1999-12-31"}})
    odd.append({"payload": None})
    reports.update({f"r{i}": (frozenset({"198001012005011002"}), i % 3) for i in range(len(_odd_nips()))})
    for batch in (events[:500], events, odd, odd + events[:300], [odd[-1]], []):
        assert_same_flattening(batch, reports)
        assert_same_flattening(batch, None)


def test_nip_values_are_cached_but_not_shared_mutably():
    first = ev._nip_values("198609262015051001")
    assert ev._nip_values("198609262015051001") is first  # a tuple of immutable values
    assert first == (date(1986, 9, 26), date(2015, 5, 1), date(2004, 9, 1), "1")
