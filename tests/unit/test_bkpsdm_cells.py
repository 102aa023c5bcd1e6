"""BKPSDM spreadsheet import, cell by cell: header aliases, date and sanction-code cells, names from the file name.

Importing whole files (rows refused, ids, archive, inbox) is in test_bkpsdm_import.py.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from producers.bkpsdm_import import (
    FIELD_ALIASES,
    ImportFileError,
    map_headers,
    parse_day,
    parse_sanction_code,
    read_table,
    region_from_filename,
    source_for,
)
from support import DATA

#: The committed SIASN-style export.
SIASN_EXPORT = DATA / "bkpsdm" / "33.72_hukdis_2024-12.csv"


@pytest.mark.parametrize("header", ["alasanHukumanDisiplin", "Alasan", "Alasan Hukuman Disiplin", "Keterangan",
                                    "Jenis Pelanggaran", "JENIS_PELANGGARAN", "Uraian Pelanggaran", "Pelanggaran"])
def test_reason_header_aliases_map_to_reason(header):
    """DESIGN.md §6: the reason decides whether a sanction may link by NIP, so every usual header is read."""
    headers = ["Nomor SK", "NIP", "Nama", "Jenis Hukuman", "Tanggal SK", "TMT Hukuman", "Instansi", header]
    columns, ignored = map_headers(headers, agency_known=False)
    assert columns["reason"] == 7 and ignored == []


def test_the_siasn_reason_header_wins_over_a_generic_remark():
    headers = ["Nomor SK", "NIP", "Nama", "Jenis Hukuman", "Tanggal SK", "TMT Hukuman", "Keterangan",
               "alasanHukumanDisiplin"]
    columns, ignored = map_headers(headers, agency_known=True)
    assert columns["reason"] == 7 and ignored == ["Keterangan"]


@pytest.mark.parametrize("header", ["skNomor", "Nomor SK", "no_sk", "NO. SK", " nomor  sk ", "SKNOMOR", "sanction_id"])
def test_sk_number_header_aliases_map_to_sanction_id(header):
    headers = [header, "NIP", "Nama", "Jenis Hukuman", "Tanggal SK", "TMT Hukuman", "Instansi"]
    columns, ignored = map_headers(headers, agency_known=False)
    assert columns["sanction_id"] == 0
    assert ignored == []


def test_siasn_headers_map_to_every_contract_field_and_unknown_columns_are_listed():
    table = read_table(SIASN_EXPORT)
    columns, ignored = map_headers(table.headers, agency_known=True)
    assert {name: table.headers[i] for name, i in columns.items()} == {
        "sanction_id": "skNomor", "nip": "nipBaru", "name": "nama", "sanction_code": "jenisHukumanId",
        "decree_date": "skTanggal", "effective_from": "hukumanTanggal", "effective_to": "akhirHukumanTanggal",
        "agency": "instansi", "agency_unit": "unitKerja", "recommendation_ref": "nomorRekomendasi",
        "reason": "alasanHukumanDisiplin",
    }
    assert ignored == ["masaTahun", "masaBulan"]


def test_the_preferred_alias_wins_when_two_columns_mean_the_same_field():
    headers = ["Jenis Hukuman", "jenisHukumanId", "Nomor SK", "NIP", "Nama", "Tanggal SK", "TMT", "Instansi"]
    columns, ignored = map_headers(headers, agency_known=False)
    assert columns["sanction_code"] == 1, "the SIASN code column is preferred over the name column"
    assert ignored == ["Jenis Hukuman"]


def test_a_missing_required_column_names_it_and_the_headers_accepted():
    with pytest.raises(ImportFileError) as err:
        map_headers(["Nomor SK", "NIP", "Nama", "Jenis Hukuman", "TMT Hukuman", "Instansi"], agency_known=False)
    message = str(err.value)
    assert "missing required column(s): decree_date" in message
    assert "'skTanggal'" in message and "'Tanggal SK'" in message
    assert err.value.code == "file.missing_column"


def test_agency_column_is_required_only_without_a_default_agency():
    headers = ["Nomor SK", "NIP", "Nama", "Jenis Hukuman", "Tanggal SK", "TMT Hukuman"]
    with pytest.raises(ImportFileError, match="agency .*--agency"):
        map_headers(headers, agency_known=False)
    columns, _ = map_headers(headers, agency_known=True)
    assert "agency" not in columns


@pytest.mark.parametrize("value, expected", [
    ("2024-12-05", date(2024, 12, 5)),
    ("05-12-2024", date(2024, 12, 5)),
    ("5-12-2024", date(2024, 12, 5)),
    ("05/12/2024", date(2024, 12, 5)),
    ("05.12.2024", date(2024, 12, 5)),
    (" 2024-12-05 00:00:00 ", date(2024, 12, 5)),
    (datetime(2024, 12, 5, 0, 0), date(2024, 12, 5)),  # an Excel date cell
    (date(2024, 12, 5), date(2024, 12, 5)),
])
def test_accepted_date_formats(value, expected):
    assert parse_day(value) == expected


@pytest.mark.parametrize("value", ["31-02-2024", "12/31/2024", "2024/12/05", "5 Desember 2024", "05-12-24", 45631, ""])
def test_dates_that_are_impossible_or_ambiguous_are_refused(value):
    with pytest.raises(ValueError):
        parse_day(value)


@pytest.mark.parametrize("value, code", [
    (2, 2), ("02", 2), (23.0, 23), ("2 - TEGURAN TERTULIS", 2),
    ("TEGURAN LISAN", 1), ("teguran  tertulis", 2), ("Pernyataan tidak puas secara tertulis", 3),
    ("PEMOTONGAN TUNKIN 25% 6 BLN", 23), ("Pemotongan Tunjangan Kinerja 25% selama 12 bulan", 25),
    ("SANKSI MORAL TERBUKA", 21), ("Sanksi Moral Tertutup", 22), ("PTDH", 11),
    ("Pemberhentian dengan hormat tidak atas permintaan sendiri", 10),
    ("PENUNDAAN KGB SELAMA 1 TAHUN", 4),  # legacy PP 53/2010 code
])
def test_sanction_codes_and_siasn_names(value, code):
    assert parse_sanction_code(value) == code


def test_an_unknown_sanction_name_is_a_lookup_error():
    with pytest.raises(LookupError):
        parse_sanction_code("Hukuman paling berat")
    for not_whole in (2.5, "2.5"):
        with pytest.raises((ValueError, LookupError)):
            parse_sanction_code(not_whole)


def test_region_and_source_come_from_the_file_name_or_the_agency():
    assert region_from_filename(Path("33.72_hukdis.csv")) == "33.72"
    assert region_from_filename(Path("33-hukdis.xlsx")) == "33"
    assert region_from_filename(Path("hukdis_2024-12.csv")) is None, "a month is not a region"
    assert region_from_filename(Path("99.99_hukdis.csv")) is None, "only codes that exist"
    assert source_for("33.72", None) == "bkpsdm:33.72"
    long_agency = "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Pemerintah Kabupaten Kepulauan Siau"
    for source in (source_for(None, "Pemerintah Kota Surakarta"), source_for(None, long_agency)):
        assert re.fullmatch(r"[a-z0-9:._-]{1,64}", source), source
    assert source_for(None, "Pemerintah Kota Surakarta") == "bkpsdm:pemerintah-kota-surakarta"


def test_every_alias_is_unique_across_fields():
    from producers.bkpsdm_import import norm_header as _norm_header

    seen = {}
    for name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            key = _norm_header(alias)
            assert seen.setdefault(key, name) == name, f"{alias!r} would mean both {seen[key]} and {name}"
