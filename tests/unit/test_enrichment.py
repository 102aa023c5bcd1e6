"""Enrichment: NIP decoding, bands, election phase, region names, pseudonyms, reporter identity dropped."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from netra.enrichment import asn_key, decode_nip, election_phase, enrich, region_info

SECRET = b"unit-test-secret"
FILED = json.loads((Path(__file__).parents[1] / "data" / "events" / "report_filed.json").read_text())


def test_decode_nip():
    got = decode_nip("198609262015051001", date(2024, 11, 21))
    assert got == {"birth_year": 1986, "sex": "male", "cpns_start": "2015-05", "age_band": "30-39",
                   "tenure_band": "5-9"}
    assert decode_nip("199512312020122001", date(2024, 1, 1))["sex"] == "female"


@pytest.mark.parametrize(
    ("day", "phase"),
    [("2020-09-25", "pre_campaign"), ("2020-09-26", "campaign"), ("2020-12-05", "campaign"),
     ("2020-12-06", "quiet"), ("2020-12-09", "voting_day"), ("2020-12-10", "post_election")],
)
def test_election_phase(day, phase):
    assert election_phase("pilkada-2020", date.fromisoformat(day)) == phase


def test_region_info_names_region_and_province():
    assert region_info("33.72") == {"code": "33.72", "name": "SURAKARTA", "kind": "kota", "province_code": "33",
                                    "province_name": "JAWA TENGAH"}
    assert region_info("13.02")["kind"] == "kabupaten"


def test_asn_key_is_keyed_and_ignores_spacing():
    assert asn_key(SECRET, "19860926 201505 1 001") == asn_key(SECRET, "198609262015051001")
    assert asn_key(SECRET, "198609262015051001") != asn_key(b"other", "198609262015051001")
    assert len(asn_key(SECRET, "198609262015051001")) == 64


def test_enrich_drops_reporter_identity_and_adds_keys():
    out = enrich(FILED, SECRET)
    assert out["payload"]["reporter"] == {"type": "voter"}
    text = json.dumps(out)
    assert FILED["payload"]["reporter"]["nik"] not in text and "Siti Aminah" not in text
    e = out["enrichment"]
    assert e["region"]["name"] == "SURAKARTA" and e["election_phase"] == "campaign"
    assert e["subjects"][0]["asn_key"] == asn_key(SECRET, "198609262015051001")
    assert e["reporter_key"] and len(e["reporter_key"]) == 64
    assert FILED["payload"]["reporter"]["nik"] == "3372012609860001", "the input event is not modified"
