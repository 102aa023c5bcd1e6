"""Enrichment: NIP decoding, bands, election phase, region names, pseudonyms, reporter identity dropped."""
from __future__ import annotations

import json
from datetime import date

import pytest

from netra.enrichment import asn_key, decode_nip, election_phase, enrich, region_info
from support import report_filed

SECRET = b"unit-test-secret"
FILED = report_filed()


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


def test_agencies_are_mapped_to_their_canonical_bkn_id_and_misses_are_counted():
    from netra.enrichment import unmatched_agencies
    from netra.reference.agencies import agencies

    out = enrich(FILED, SECRET)
    agency = out["enrichment"]["subjects"][0]["agency"]
    assert agencies()[agency["bkn_id"]].bkn_code == "6476" and agency["method"] == "alias"  # Kota Surakarta
    odd = json.loads(json.dumps(FILED))
    odd["payload"]["subjects"][0]["agency"] = "Dinas Antah Berantah"
    enriched = enrich(odd, SECRET)
    assert enriched["enrichment"]["subjects"][0]["agency"]["bkn_id"] is None
    assert unmatched_agencies(enriched) == 1 and unmatched_agencies(out) == 0


def test_sanctions_carry_their_level_and_a_legacy_flag():
    sanction = {"event_id": "0b6f0000-0000-4000-8000-00000000000a", "event_type": "sanction.imposed",
                "schema_version": 1, "source": "bkpsdm:33.72", "occurred_at": "2021-01-05T10:00:00+07:00",
                "payload": {"sanction_id": "800/1/2021", "nip": "198609262015051001", "name": "Budi",
                            "agency": "BKPSDM Kota Surakarta", "sanction_code": 7, "decree_date": "2021-01-04",
                            "effective_from": "2021-01-04", "effective_to": None, "recommendation_ref": None,
                            "reason": None}}
    e = enrich(sanction, SECRET)["enrichment"]
    assert e["sanction"] == {"level": "sedang", "legacy": True}
    assert e["agency"]["bkn_id"] is not None and e["asn"]["birth_year"] == 1986
    sanction["payload"]["sanction_code"] = 21
    assert enrich(sanction, SECRET)["enrichment"]["sanction"] == {"level": "moral", "legacy": False}
