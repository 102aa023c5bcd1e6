"""The GX domain-rule suite (expectations/events.py) on tiny batches, plus the one-call-per-batch rule."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import date

import pytest

from expectations import events as suite_mod
from expectations.events import SUITE_NAME, build_suite, build_suites, validate_batch
from netra.contracts.decode import decode
from support import REPO

TODAY = date(2025, 6, 30)
NIP = "198609262015051001"  # DOMAIN.md §3 example: born 1986-09-26, CPNS 2015-05, male

# ---------------------------------------------------------------- test events

_VALID_PAYLOADS = {
    "report.filed": lambda: {
        "report_id": "001/Reg/LP/PB/Kota/33.72/XI/2024",
        "kind": "laporan",
        "election_id": "pilkada-2024",
        "region_code": "33.72",
        "filed_on": "2024-11-21",
        "category": "V01",
        "subjects": [
            {"nip": NIP, "name": "Budi", "agency": "Pemkot Surakarta"},
            {"nip": None, "name": "Sri", "agency": "Pemkot Surakarta", "position": "Lurah"},
        ],
        "reporter": {"type": "voter", "nik": None, "name": None},
        "summary": None,
    },
    "report.decided": lambda: {
        "report_id": "001/Reg/LP/PB/Kota/33.72/XI/2024",
        "decision": "proven",
        "decided_on": "2024-12-05",
        "proven_nips": [NIP],
    },
    "recommendation.issued": lambda: {
        "recommendation_id": "9953/B-AK.02.02/SD/F/2024",
        "report_id": "001/Reg/LP/PB/Kota/33.72/XI/2024",
        "nip": NIP,
        "issuer": "bkn",
        "level": "sedang",
        "sanction_code": 23,
        "ppk_agency": "Pemkot Surakarta",
        "issued_on": "2024-12-20",
    },
    "recommendation.closed": lambda: {
        "recommendation_id": "9953/B-AK.02.02/SD/F/2024",
        "reason": "cancelled",
        "closed_on": "2025-01-10",
    },
    "sanction.imposed": lambda: {
        "sanction_id": "800/123/2025",
        "nip": NIP,
        "name": "Budi",
        "agency": "Pemkot Surakarta",
        "sanction_code": 23,
        "decree_date": "2025-02-01",
        "effective_from": "2025-02-03",
        "effective_to": "2026-02-02",
        "recommendation_ref": None,
        "reason": None,
    },
    "sanction.revoked": lambda: {
        "sanction_id": "800/123/2025",
        "revoked_on": "2025-03-01",
        "reason": "banding dikabulkan",
    },
}
EVENT_TYPES = tuple(_VALID_PAYLOADS)


def make_event(event_type: str, **changes) -> dict:
    """A structurally valid event of `event_type`, exactly as the validator sees it after decode().

    `changes` replace payload fields; `subjects` may be given as a list of NIPs.
    """
    payload = _VALID_PAYLOADS[event_type]()
    if isinstance(changes.get("subjects"), list) and all(
        s is None or isinstance(s, str) for s in changes["subjects"]
    ):
        changes["subjects"] = [{"nip": n, "name": f"S{i}", "agency": "X"} for i, n in enumerate(changes["subjects"])]
    payload.update(changes)
    raw = {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": 1,
        "source": "test",
        "occurred_at": "2025-06-01T10:00:00+07:00",
        "payload": payload,
    }
    decoded = decode(json.dumps(raw).encode(), topic=None)
    assert decoded.ok, decoded.reasons  # the suite only ever sees structurally valid events
    return decoded.event


def reasons_of(event: dict, today: date = TODAY) -> list[str]:
    return validate_batch([event], today=today)[0]


# ---------------------------------------------------------------- valid events


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_valid_event_of_each_type_passes(event_type):
    assert reasons_of(make_event(event_type)) == []


def test_all_types_in_one_batch_pass():
    assert validate_batch([make_event(t) for t in EVENT_TYPES], today=TODAY) == [[]] * len(EVENT_TYPES)


def test_empty_batch():
    assert validate_batch([], today=TODAY) == []


# ---------------------------------------------------------------- NIP structure


@pytest.mark.parametrize(
    "nip, code",
    [
        ("198602302015051001", "nip.birth_date_invalid"),  # 30 February
        ("198613012015051001", "nip.birth_date_invalid"),  # month 13
        ("198609002015051001", "nip.birth_date_invalid"),  # day 0
        ("193912311960011001", "nip.birth_date_invalid"),  # before 1940
        ("198609262015131001", "nip.cpns_start_invalid"),  # month 13
        ("198609262015001001", "nip.cpns_start_invalid"),  # month 00
        ("198609262025071001", "nip.cpns_start_invalid"),  # in the future (today 2025-06-30)
        ("198609262004081001", "nip.cpns_start_invalid"),  # 17 years 11 months after birth
        ("198609262015053001", "nip.sex_invalid"),
        ("198609262015050001", "nip.sex_invalid"),
    ],
)
def test_bad_nip(nip, code):
    assert reasons_of(make_event("recommendation.issued", nip=nip)) == [f"{code}:payload.nip"]


@pytest.mark.parametrize(
    "nip",
    [
        "194001011958011001",  # earliest birth date, CPNS exactly 18 years later
        "198609262004091001",  # CPNS in the birth month 18 years later
        "198609262025062001",  # CPNS this month, female
        "200002292018021001",  # leap-day birth
    ],
)
def test_boundary_nips_pass(nip):
    assert reasons_of(make_event("recommendation.issued", nip=nip)) == []


def test_birth_after_today():
    # No CPNS month can be both 18 years later and not in the future: both rules fail.
    assert reasons_of(make_event("recommendation.issued", nip="202507012015051001")) == [
        "nip.birth_date_invalid:payload.nip",
        "nip.cpns_start_invalid:payload.nip",
    ]


def test_born_today_is_allowed_but_cpns_must_still_be_valid():
    assert reasons_of(make_event("recommendation.issued", nip="202506302043061001")) == [
        "nip.cpns_start_invalid:payload.nip"
    ]


def test_one_nip_can_break_several_rules():
    assert reasons_of(make_event("recommendation.issued", nip="198609262030013001")) == [
        "nip.cpns_start_invalid:payload.nip",
        "nip.sex_invalid:payload.nip",
    ]


def test_invalid_birth_date_does_not_also_report_cpns():
    # Without a real birth month there is no 18-year bound to check.
    assert reasons_of(make_event("recommendation.issued", nip="198602302000011001")) == [
        "nip.birth_date_invalid:payload.nip"
    ]


def test_nip_in_every_position_is_checked():
    bad = "198609262015053001"
    assert reasons_of(make_event("report.filed", subjects=[NIP, None, bad])) == [
        "nip.sex_invalid:payload.subjects.2.nip"
    ]
    assert reasons_of(make_event("report.decided", proven_nips=[NIP, bad])) == [
        "nip.sex_invalid:payload.proven_nips.1"
    ]
    assert reasons_of(make_event("sanction.imposed", nip=bad)) == ["nip.sex_invalid:payload.nip"]
    assert reasons_of(make_event("recommendation.issued", nip=bad)) == ["nip.sex_invalid:payload.nip"]


def test_null_nips_are_skipped():
    assert reasons_of(make_event("sanction.imposed", nip=None)) == []
    assert reasons_of(make_event("report.filed", subjects=[None])) == []


# ---------------------------------------------------------------- reference data


@pytest.mark.parametrize("code, ok", [("33.72", True), ("33", True), ("13.02", True), ("33.99", False), ("99", False)])
def test_region_code(code, ok):
    expected = [] if ok else ["region.unknown:payload.region_code"]
    assert reasons_of(make_event("report.filed", region_code=code)) == expected


def test_region_regex_matches_exactly_the_reference_codes():
    import re

    from netra.reference import regions

    regex = re.compile(suite_mod._membership_regex(regions()))
    assert all(regex.match(code) for code in regions())
    for not_a_code in ("33.99", "99", "33.7", "33.720", "33.72\n", "3", "", "33-72"):
        assert not regex.match(not_a_code), not_a_code
    # A province code alone matches only when the reference lists the province itself.
    partial = re.compile(suite_mod._membership_regex({"11.01", "12"}))
    assert [bool(partial.match(c)) for c in ("11", "11.01", "12", "12.01")] == [False, True, True, False]


@pytest.mark.parametrize("election, ok", [("pemilu-2024", True), ("pilkada-2020", True), ("pemilu-2029", False)])
def test_election_id(election, ok):
    expected = [] if ok else ["election.unknown:payload.election_id"]
    assert reasons_of(make_event("report.filed", election_id=election)) == expected


@pytest.mark.parametrize("code, ok", [(1, True), (4, True), (21, True), (28, True),
                                      (12, False), (26, False), (99, False)])
def test_sanction_code(code, ok):
    expected = [] if ok else ["sanction.unknown_code:payload.sanction_code"]
    assert reasons_of(make_event("sanction.imposed", sanction_code=code)) == expected
    assert reasons_of(make_event("recommendation.issued", sanction_code=code)) == expected


def test_recommendation_without_sanction_code_passes():
    assert reasons_of(make_event("recommendation.issued", sanction_code=None)) == []


# ---------------------------------------------------------------- business dates

_DATE_FIELDS = [
    ("report.filed", "filed_on"),
    ("report.decided", "decided_on"),
    ("recommendation.issued", "issued_on"),
    ("recommendation.closed", "closed_on"),
    ("sanction.imposed", "decree_date"),
    ("sanction.imposed", "effective_from"),
    ("sanction.revoked", "revoked_on"),
]


@pytest.mark.parametrize("event_type, field", _DATE_FIELDS)
@pytest.mark.parametrize("day, ok", [("1999-12-31", False), ("2000-01-01", True),
                                     ("2025-06-30", True), ("2025-07-01", False)])
def test_business_date_range(event_type, field, day, ok):
    expected = [] if ok else [f"date.out_of_range:payload.{field}"]
    assert reasons_of(make_event(event_type, **{field: day})) == expected


@pytest.mark.parametrize("day, ok", [("2040-01-01", True), ("2000-01-01", True), ("1999-12-31", False)])
def test_effective_to_may_be_in_the_future(day, ok):
    expected = [] if ok else ["date.out_of_range:payload.effective_to"]
    assert reasons_of(make_event("sanction.imposed", effective_to=day)) == expected


def test_effective_from_before_decree_date_is_allowed():
    event = make_event("sanction.imposed", decree_date="2025-02-01", effective_from="2025-01-15")
    assert reasons_of(event) == []


def test_today_is_a_parameter_not_baked_into_the_suite():
    event = make_event("recommendation.closed", closed_on="2025-07-01")
    assert reasons_of(event, today=TODAY) == ["date.out_of_range:payload.closed_on"]
    assert reasons_of(event, today=date(2025, 7, 1)) == []


# ---------------------------------------------------------------- batches


def test_one_bad_event_leaves_the_others_clean():
    batch = [make_event(t) for t in EVENT_TYPES]
    batch.insert(3, make_event("report.filed", region_code="33.99", filed_on="1999-01-01"))
    result = validate_batch(batch, today=TODAY)
    assert len(result) == len(batch)
    assert result[3] == ["region.unknown:payload.region_code", "date.out_of_range:payload.filed_on"]
    assert all(r == [] for i, r in enumerate(result) if i != 3)


def test_order_is_preserved():
    bad = {
        0: make_event("sanction.revoked", revoked_on="2030-01-01"),
        2: make_event("report.filed", election_id="pemilu-2029"),
        5: make_event("sanction.imposed", sanction_code=99),
        6: make_event("report.decided", proven_nips=[NIP, NIP, "198609262015050001"]),
    }
    batch = [bad.get(i) or make_event(EVENT_TYPES[i % len(EVENT_TYPES)]) for i in range(8)]
    assert validate_batch(batch, today=TODAY) == [
        ["date.out_of_range:payload.revoked_on"],
        [],
        ["election.unknown:payload.election_id"],
        [],
        [],
        ["sanction.unknown_code:payload.sanction_code"],
        ["nip.sex_invalid:payload.proven_nips.2"],
        [],
    ]


def test_large_batch_makes_one_gx_call(monkeypatch):
    from great_expectations.datasource.fluent.interfaces import Batch

    calls = []
    original = Batch.validate

    def counting_validate(self, *args, **kwargs):
        calls.append(len(self.data.dataframe))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Batch, "validate", counting_validate)
    batch = [make_event(EVENT_TYPES[i % len(EVENT_TYPES)]) for i in range(2000)]
    batch[1234] = make_event("sanction.imposed", sanction_code=99)
    result = validate_batch(batch, today=TODAY)
    assert len(calls) == 1
    assert calls[0] > 2000  # one row per checked value, not per event
    assert result[1234] == ["sanction.unknown_code:payload.sanction_code"]
    assert sum(1 for r in result if r) == 1


# ---------------------------------------------------------------- suite and module


def test_suites_are_named_after_the_contract_and_cached():
    suites = build_suites()
    assert list(suites) == [SUITE_NAME] + [f"{t}.v1" for t in EVENT_TYPES]
    assert build_suites() is suites
    codes = {e.meta["reason"] for e in suites[SUITE_NAME].expectations}
    assert codes == {
        "nip.birth_date_invalid", "nip.cpns_start_invalid", "nip.sex_invalid", "region.unknown",
        "election.unknown", "sanction.unknown_code", "date.out_of_range", "nik.region_invalid",
        "nik.birth_date_invalid", "decision.proven_nip_not_subject",
    }


def test_the_batch_suite_is_the_union_of_the_per_type_suites_without_repeats():
    suites = build_suites()
    union = [e.configuration for e in suites[SUITE_NAME].expectations]
    per_type = {json.dumps(e.configuration.to_json_dict(), sort_keys=True)
                for t in EVENT_TYPES for e in build_suite(t).expectations}
    assert len(union) == len(per_type)


@pytest.mark.parametrize(
    ("event_type", "frame_row", "reason"),
    [
        ("report.filed", {"nik_region": "33.72", "nik_birth": "260986"}, None),
        ("report.filed", {"nik_region": "99.99", "nik_birth": "260986"}, "nik.region_invalid"),
        ("report.filed", {"nik_region": "33.72", "nik_birth": "320186"}, "nik.birth_date_invalid"),
        ("report.decided", {"proven_is_subject": True}, None),
        ("report.decided", {"proven_is_subject": False}, "decision.proven_nip_not_subject"),
        ("sanction.imposed", {"sanction_code": 23}, None),
        ("sanction.imposed", {"sanction_code": 12}, "sanction.unknown_code"),
        ("recommendation.closed", {"day": date(1999, 12, 31)}, "date.out_of_range"),
    ],
)
def test_each_type_suite_on_a_tiny_frame(event_type, frame_row, reason):
    import pandas as pd

    frame = pd.DataFrame([{c: None for c in suite_mod.COLUMNS} | {"row_id": 0, "event_index": 0, "path": "p"}
                          | frame_row]).astype(object)
    batch = suite_mod._batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(build_suite(event_type), result_format=suite_mod.RESULT_FORMAT,
                            expectation_parameters={"today": TODAY})
    failed = {r.expectation_config.meta["reason"] for r in result.results if not r.success}
    assert failed == ({reason} if reason else set())


@pytest.mark.parametrize(
    ("nik", "ok"),
    [("3372012609860001", True), ("3372016609860001", True),  # a woman born on the 26th: 26 + 40
     ("9101012609860001", True),  # Merauke (91.01) before the 2022 split renumbered it to 93.01
     ("9999012609860001", False), ("3372013209860001", False), ("3372017209860001", False)],
)
def test_reporter_nik(nik, ok):
    event = make_event("report.filed")
    event["payload"]["reporter"]["nik"] = nik
    assert (reasons_of(event) == []) is ok


def test_proven_nips_must_be_subjects_of_a_known_report():
    decided = make_event("report.decided", proven_nips=[NIP, "199001012015052003"])
    report_id = decided["payload"]["report_id"]
    assert validate_batch([decided], today=TODAY) == [[]], "unknown report: rule skipped"
    assert validate_batch([decided], today=TODAY, report_subjects={report_id: (frozenset({NIP}), 0)}) == [
        ["decision.proven_nip_not_subject:payload.proven_nips.1"]]
    # a subject reported without a NIP may turn out to be the second proven ASN
    assert validate_batch([decided], today=TODAY, report_subjects={report_id: (frozenset({NIP}), 1)}) == [[]]


def test_importing_the_module_does_not_import_gx_or_pandas():
    code = (
        "import sys, expectations.events; "
        "print('great_expectations' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

