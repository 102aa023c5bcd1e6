"""BKN agencies, their derived aliases, and agency-name matching (exact alias, then guarded fuzzy)."""
from __future__ import annotations

import csv
import time

import pytest

from netra.reference import HERE, build_aliases, regions
from netra.reference import agencies as A

SURAKARTA = "A5EB03E23B43F6A0E040640A040252AD"  # Pemerintah Kota Surakarta, kodeCepat 6476


def by_code(code: str) -> A.Agency:
    (agency,) = [a for a in A.agencies().values() if a.bkn_code == code]
    return agency


def code_of(name: str) -> str | None:
    m = A.match_agency(name)
    return A.agencies()[m.bkn_id].bkn_code if m.bkn_id else None


# --- the tables -----------------------------------------------------------------------------------

def test_643_agencies_with_unique_ids_and_the_duplicate_removed():
    table = A.agencies()
    assert len(table) == 644 - 1
    with open(HERE / "agencies.csv", newline="", encoding="utf-8") as f:
        ids = [r["bkn_id"] for r in csv.DictReader(f)]
    assert len(ids) == len(set(ids)) == 643
    tvri = table["A5EB03E23D67F6A0E040640A040252AD"]
    assert (tvri.bkn_code, tvri.name) == ("4057", "TELEVISI REPUBLIK INDONESIA")  # the first row is kept


def test_region_crosswalk_bkn_codes_do_not_follow_kemendagri_codes():
    assert by_code("6301").region_code == "34.02"  # Bantul
    assert regions()["34.02"].name == "BANTUL"
    assert by_code("6476").bkn_id == SURAKARTA and by_code("6476").region_code == "33.72"
    assert (by_code("5474").region_code, by_code("5474").kind) == ("13.72", "kota")  # Kota Solok
    assert (by_code("5404").region_code, by_code("5404").kind) == ("13.02", "kabupaten")  # Kab. Solok
    assert by_code("6001").kind == "kabupaten"  # Kab. Kepulauan Seribu has no SIASN type; kind from 31.01
    assert by_code("4011").kind is None and by_code("4011").region_code is None  # BKN


def test_every_region_code_exists_and_kinds_agree():
    regs = regions()
    for a in A.agencies().values():
        if a.region_code:
            assert a.region_code in regs
            assert a.kind == regs[a.region_code].kind, a


def test_committed_alias_csv_equals_build_output():
    rows, dropped = build_aliases.build()
    assert (HERE / "agency_aliases.csv").read_text(encoding="utf-8") == build_aliases.render(rows), (
        "agency_aliases.csv is stale: run `python -m netra.reference.build_aliases`"
    )
    # Aliases that would map to two agencies are dropped; with this agencies.csv there are none.
    assert dropped == {}


def test_an_alias_claimed_by_two_agencies_is_dropped():
    rows, dropped = build_aliases.build(
        [("KOTA X", "a", "region"), ("KOTA X", "b", "region"), ("PEMKOT X", "a", "short"), ("PEMKOT X", "a", "long")]
    )
    assert rows == [("PEMKOT X", "a", "short")]
    assert dropped == {"KOTA X": ["a", "b"]}


def test_every_alias_is_normalised_and_points_at_a_known_agency():
    table = A.agencies()
    rows = A.agency_alias_rows()
    assert len(rows) == len({alias for alias, _, _ in rows})
    for alias, bkn_id, kind in rows:
        assert alias == A.normalise(alias)
        assert alias.isascii() and alias.replace(" ", "").isalnum()  # the CHECK in 0005_ref_agencies.sql
        assert bkn_id in table
        assert kind
    assert {b for _, b, _ in rows} == set(table)  # every agency has at least its official name


def test_normalise():
    assert A.normalise("  Pemerintah Kab.  Bantul ") == "PEMERINTAH KAB BANTUL"
    assert A.normalise("Kab. Toli-Toli") == "KAB TOLI TOLI"
    assert A.normalise("bkpsdm_kota/surakarta") == "BKPSDM KOTA SURAKARTA"
    assert A.normalise(None) == A.normalise("") == A.normalise(" .. ") == ""


# --- exact aliases ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name",
    ["Pemkot Surakarta", "Pemerintah Kota Surakarta", "BKPSDM Kota Surakarta", "BKD Kota Surakarta",
     "Kota Surakarta", "pemkot  surakarta.", "PEMERINTAH KOTA SURAKARTA"],
)
def test_surakarta_spellings_are_one_agency(name):
    assert A.match_agency(name) == A.AgencyMatch(SURAKARTA, 1.0, "alias")
    assert code_of(name) == "6476"


@pytest.mark.parametrize(
    ("name", "code"),
    [("Pemkab Bantul", "6301"), ("Pemerintah Kabupaten Bantul", "6301"), ("Kab. Bantul", "6301"),
     ("BKPSDM Kab. Bantul", "6301"), ("Pemprov Jawa Tengah", "6400"), ("BKD Provinsi Jawa Timur", "6500"),
     ("Badan Kepegawaian Negara", "4011"), ("Pemkab Batu Bara", code_of("Pemerintah Kab. Batubara")),
     ("Pemprov Nusa Tenggara Timur", code_of("Pemerintah Provinsi NTT"))],
)
def test_aliases_including_the_kemendagri_spelling(name, code):
    m = A.match_agency(name)
    assert (code_of(name), m.method, m.score) == (code, "alias", 1.0)


# --- Kota vs Kabupaten, and Solok vs Solok Selatan --------------------------------------------------

@pytest.mark.parametrize(
    ("name", "code"),
    [("Pemerintah Kota Solok", "5474"), ("Pemkot Solok", "5474"), ("Kota Solok", "5474"), ("BKPSDM Kota Solok", "5474"),
     ("Pemerintah Kab. Solok", "5404"), ("Pemkab Solok", "5404"), ("Kabupaten Solok", "5404"),
     ("BKPSDM Kab. Solok", "5404"),
     ("Kab. Solok Selatan", "5410"), ("Pemkab Solok Selatan", "5410")],
)
def test_kota_and_kabupaten_solok_are_never_confused(name, code):
    assert code_of(name) == code


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("Pemerintah Kota Solokk", {"5474", None}), ("Pemkot Sollok", {"5474", None}), ("Kota Solk", {"5474", None}),
     ("BKPSDM Kota Solokk", {"5474", None}), ("Pemerintah Kotaa Solok", {"5474", None}),
     ("Pemerintah Kabupaten Solokk", {"5404", None}), ("Pemkab Sollok", {"5404", None}), ("Kab Solk", {"5404", None})],
)
def test_fuzzy_typos_keep_the_kota_kabupaten_distinction(name, allowed):
    assert code_of(name) in allowed


def test_fuzzy_kota_solok_typo_matches_kota_solok():
    m = A.match_agency("Pemerintah Kota Solokk")
    assert (code_of("Pemerintah Kota Solokk"), m.method) == ("5474", "fuzzy")
    assert A.AGENCY_FUZZY_THRESHOLD <= m.score < 1.0


def test_a_kota_name_never_reaches_a_kabupaten_even_when_only_the_kabupaten_exists():
    # Bantul is only a kabupaten; "Kota Bantul" must not be pulled across the kind boundary.
    assert A.match_agency("Pemerintah Kota Bantul").bkn_id is None
    assert A.match_agency("Pemkot Sleman").bkn_id is None


@pytest.mark.parametrize("name", ["Kab. Solok Selatann", "Pemerintah Kabupaten Solok Selatn", "Pemkab Solok Selatan"])
def test_solok_selatan_is_not_solok(name):
    assert code_of(name) == "5410"


@pytest.mark.parametrize(
    "name",
    ["Pemerintah Kota Solok Selatan",  # no such agency: not Kota Solok
     "Pemerintah Provinsi Papua Barat Daya",  # missing from this SIASN copy: not Papua Barat
     "Kota Jakarta Pusat"],  # administrative kota, no agency
)
def test_names_absent_from_the_table_are_not_pulled_to_a_neighbour(name):
    m = A.match_agency(name)
    assert m.bkn_id is None and m.method is None and m.score < A.AGENCY_FUZZY_THRESHOLD


# --- fuzzy ------------------------------------------------------------------------------------------

def test_typo_matched_by_fuzzy():
    m = A.match_agency("Pemerintah Kabupaten Banttul")
    assert (code_of("Pemerintah Kabupaten Banttul"), m.method) == ("6301", "fuzzy")
    assert A.AGENCY_FUZZY_THRESHOLD <= m.score < 1.0


@pytest.mark.parametrize(
    ("name", "code"),
    [("Pemkab Kulonprogo", code_of("Pemerintah Kab. Kulon Progo")),
     ("Pemerintah Daerah Kabupaten Bantul", "6301"),
     ("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Surakarta", "6476"),
     ("Bupati Bantul", "6301"), ("Wali Kota Surakarta", "6476"),
     ("Kementrian Dalam Negeri", "3001")],
)
def test_other_fuzzy_spellings(name, code):
    m = A.match_agency(name)
    assert (code_of(name), m.method) == (code, "fuzzy")


@pytest.mark.parametrize("name", ["asdf qwerty", "Dinas Pendidikan", "Surakarta", "", None, "Pemkot"])
def test_nonsense_and_underspecified_names_are_none(name):
    m = A.match_agency(name)
    assert m.bkn_id is None and m.method is None
    assert 0.0 <= m.score < A.AGENCY_FUZZY_THRESHOLD


def test_fast_and_cached():
    A.clear_caches()
    distinct = [a.name for a in list(A.agencies().values())[:250]] + [
        f"Pemerintah Kabupaten {a.name.split('Kab. ')[-1]}x" for a in A.agencies().values() if a.type == "KAB"
    ][:50]
    stream = [distinct[(i * 7919) % len(distinct)] for i in range(10_000)]
    t0 = time.perf_counter()
    for name in stream:
        A.match_agency(name)
    elapsed = time.perf_counter() - t0
    info = A._match_normalised.cache_info()
    assert info.misses == len(set(stream)) and info.hits == len(stream) - info.misses
    assert elapsed < 2.0, f"10,000 calls took {elapsed:.3f}s"
