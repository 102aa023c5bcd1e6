"""BKPSDM spreadsheet import of whole files: per-row rejection, idempotent ids, archiving, the inbox.

Header aliases, cell formats and names read from the file name are in test_bkpsdm_cells.py.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from fakes import FakeProducer
from netra.contracts.decode import decode
from producers.bkpsdm_import import (
    ImportSendError,
    import_file,
    read_ledger,
    scan_inbox,
)
from support import DATA

BKPSDM = DATA / "bkpsdm"
CSV_NAME = "33.72_hukdis_2024-12.csv"
#: 2024-12-20 10:00 WIB, as a POSIX timestamp: the export's modification time in these tests
MTIME = datetime.fromisoformat("2024-12-20T10:00:00+07:00").timestamp()


def result_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def sent_events(producer: FakeProducer) -> list[dict]:
    return [json.loads(value) for _topic, _key, value, _headers in producer.sent]


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def siasn_csv(inbox) -> Path:
    """The committed SIASN-style export, copied into the inbox with a fixed modification time."""
    path = inbox / CSV_NAME
    shutil.copy(BKPSDM / CSV_NAME, path)
    os.utime(path, (MTIME, MTIME))
    return path


@pytest.fixture
def alias_xlsx(inbox) -> Path:
    """An XLSX as a BKPSDM clerk would make it: a title block, alias headers, sanction names, Excel dates."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Hukdis"
    rows = [
        ["DAFTAR HUKUMAN DISIPLIN ASN PEMERINTAH KOTA SURAKARTA TAHUN 2024"],
        [],
        ["No", "Nomor SK", "NIP", "Nama", "Jenis Hukuman", "Tanggal SK", "TMT Hukuman", "Instansi", "Keterangan"],
        [1, "800/2001/2024", "198609262015051001", "Budi  Santoso", "TEGURAN TERTULIS",
         datetime(2024, 12, 5), "05/12/2024", "Pemerintah Kota Surakarta", "Tidak masuk kerja  tanpa keterangan"],
        [2, "800/2002/2024", "19750312 200003 2 004", "Sri Wahyuni", "Pemotongan Tunjangan Kinerja 25% selama 6 bulan",
         datetime(2024, 12, 10), "2024-12-16", "Pemerintah Kota Surakarta", None],
        [3, "800/2003/2024", 198203152006042002, "Dwi Lestari", "Sanksi Moral Tertutup",
         datetime(2024, 12, 12), "12-12-2024", "Pemerintah Kota Surakarta", "NIP typed as a number"],
        [4, "800/2004/2024", "'196905231994031003", "Joko Susilo", "sanksi moral terbuka",
         date(2024, 12, 13), "13.12.2024", "Pemerintah Kota Surakarta", None],
        [5, "800/2005/2024", "198001012005011001", "Agus Priyono", "Hukuman paling berat",
         datetime(2024, 12, 14), "14/12/2024", "Pemerintah Kota Surakarta", None],
    ]
    for r, values in enumerate(rows, start=1):  # row 2 stays empty, as in a real title block
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    path = inbox / "hukdis_surakarta.xlsx"
    wb.save(path)
    os.utime(path, (MTIME, MTIME))
    return path


# ---------------------------------------------------------------- importing a file


def test_csv_bad_rows_are_reported_and_good_rows_are_sent(siasn_csv, inbox):
    producer = FakeProducer()
    report = import_file(siasn_csv, producer, archive_dir=inbox / "processed")

    assert (report.sent, report.rejected) == (3, 3)
    assert {r.row: r.reasons for r in report.rows if r.status == "rejected"} == {
        4: ["schema.pattern:payload.nip"],                       # 17-digit NIP
        5: ["sanction.unknown_code:payload.sanction_code"],      # jenisHukumanId 99
        7: ["row.date_unreadable:payload.decree_date"],          # 31-02-2024
    }
    assert producer.flushes == 1
    events = sent_events(producer)
    assert [e["payload"]["sanction_id"] for e in events] == [
        "800/1021/BKPSDM/XII/2024", "800/1022/BKPSDM/XII/2024", "800/1025/BKPSDM/XII/2024"]
    for (topic, key, value, _), event in zip(producer.sent, events):
        assert topic == "sanctions.raw"
        assert key == event["payload"]["sanction_id"].encode()
        assert decode(value, "sanctions.raw").ok, "what is sent passes the validator's structural check"
        assert event["event_type"] == "sanction.imposed"
        assert event["source"] == "bkpsdm:33.72"
        assert event["occurred_at"] == "2024-12-20T10:00:00+07:00", "the file's mtime in WIB"
    first, second, third = (e["payload"] for e in events)
    assert first == {
        "sanction_id": "800/1021/BKPSDM/XII/2024", "nip": "198609262015051001", "name": "Budi Santoso, S.Pd.",
        "agency": "Pemerintah Kota Surakarta", "sanction_code": 2, "decree_date": "2024-12-05",
        "effective_from": "2024-12-05", "effective_to": None,
        "recommendation_ref": "9953/B-AK.02.02/SD/F/2024",
        "reason": "SEBAGAI PESERTA KAMPANYE DENGAN MENGGUNAKAN FASILITAS NEGARA",
    }
    assert second["nip"] == "197503122000032004", "the printed NIP spacing is normalised"
    assert (second["effective_from"], second["effective_to"]) == ("2024-12-16", "2025-06-15")
    assert third["nip"] is None and third["agency"] == "Pemerintah Kota Surakarta", \
        "an empty Instansi takes the agency of the region in the file name, not the work unit"


def test_the_file_is_archived_next_to_a_per_row_result_report(siasn_csv, inbox):
    report = import_file(siasn_csv, FakeProducer(), archive_dir=inbox / "processed")

    assert not siasn_csv.exists()
    assert report.archived_to == inbox / "processed" / CSV_NAME
    assert report.archived_to.read_bytes() == (BKPSDM / CSV_NAME).read_bytes()
    assert report.result_path == inbox / "processed" / f"{CSV_NAME}.result.csv"
    rows = result_rows(report.result_path)
    assert list(rows[0]) == ["row", "sanction_id", "status", "event_id", "reasons", "detail"]
    assert [(r["row"], r["status"]) for r in rows] == [
        ("2", "sent"), ("3", "sent"), ("4", "rejected"), ("5", "rejected"), ("6", "sent"), ("7", "rejected")]
    assert [r["event_id"] for r in rows if r["status"] == "sent"] == report.event_ids
    bad_nip = rows[2]
    assert bad_nip["sanction_id"] == "800/1023/BKPSDM/XII/2024" and bad_nip["event_id"] == ""
    assert bad_nip["reasons"] == "schema.pattern:payload.nip"
    assert bad_nip["detail"] == "nipBaru: must be 18 digits (spaces allowed)", "names the column as the file does"
    assert "31-02-2024" not in rows[5]["detail"] and rows[5]["detail"].startswith("skTanggal: is not a date")


def test_importing_the_same_file_twice_sends_byte_identical_events(siasn_csv, inbox):
    first, second = FakeProducer(), FakeProducer()
    report1 = import_file(siasn_csv, first, archive_dir=inbox / "processed")
    shutil.copy(BKPSDM / CSV_NAME, siasn_csv)  # dropped again, with a new modification time
    report2 = import_file(siasn_csv, second, archive_dir=inbox / "processed")

    ids = [e["event_id"] for e in sent_events(first)]
    assert len(set(ids)) == 3
    assert [e["event_id"] for e in sent_events(second)] == ids == report1.event_ids == report2.event_ids
    # same bytes, occurred_at included: the sink stores each once and sees no event_id conflict
    assert [v for _t, _k, v, _h in second.sent] == [v for _t, _k, v, _h in first.sent]
    assert read_ledger(inbox / "processed") == {i: "2024-12-20T10:00:00+07:00" for i in ids}
    assert report2.archived_to == inbox / "processed" / "33.72_hukdis_2024-12.2.csv", "a unique, timestamp-free name"
    assert report2.result_path.name == "33.72_hukdis_2024-12.2.csv.result.csv"
    assert report1.archived_to.exists() and report1.result_path.exists(), "the earlier archive is kept"


def test_a_ledger_line_cut_short_by_a_crash_is_ignored(tmp_path):
    good = "5429607d-91a9-5825-bd5e-455e8ab09ccc"
    (tmp_path / ".sent-events.csv").write_text(
        "event_id,occurred_at,sanction_id,file\n"
        f"{good},2024-12-20T10:00:00+07:00,800/1,a.csv\n"
        "7e4e58b1-70a8-5298-999c-945754a17b36,2024-12-2", encoding="utf-8")
    assert read_ledger(tmp_path) == {good: "2024-12-20T10:00:00+07:00"}
    assert read_ledger(tmp_path / "nowhere") == {}


def test_a_corrected_row_gets_a_new_event_id_and_the_others_keep_theirs(siasn_csv, inbox):
    original = FakeProducer()
    import_file(siasn_csv, original, archive_dir=inbox / "processed")
    text = (BKPSDM / CSV_NAME).read_text(encoding="utf-8")
    corrected = inbox / CSV_NAME
    # the clerk fixes row 3's decree date
    corrected.write_text(text.replace("800/1022/BKPSDM/XII/2024;19750312 200003 2 004;Sri Wahyuni;23;10-12-2024",
                                      "800/1022/BKPSDM/XII/2024;19750312 200003 2 004;Sri Wahyuni;23;11-12-2024"),
                         encoding="utf-8", newline="")
    os.utime(corrected, (MTIME + 86400, MTIME + 86400))  # saved a day later
    fixed = FakeProducer()
    import_file(corrected, fixed, archive_dir=inbox / "processed")

    before = {e["payload"]["sanction_id"]: (e["event_id"], e["occurred_at"]) for e in sent_events(original)}
    after = {e["payload"]["sanction_id"]: (e["event_id"], e["occurred_at"]) for e in sent_events(fixed)}
    assert after["800/1022/BKPSDM/XII/2024"][0] != before["800/1022/BKPSDM/XII/2024"][0]
    assert after["800/1022/BKPSDM/XII/2024"][1] == "2024-12-21T10:00:00+07:00", \
        "the correction is newer than the original, so it wins in core.sanctions"
    assert after["800/1021/BKPSDM/XII/2024"] == before["800/1021/BKPSDM/XII/2024"], "unchanged rows: same id, same time"
    assert after["800/1025/BKPSDM/XII/2024"] == before["800/1025/BKPSDM/XII/2024"]


def test_xlsx_with_title_rows_alias_headers_names_and_excel_dates(alias_xlsx, inbox):
    producer = FakeProducer()
    report = import_file(alias_xlsx, producer, archive_dir=inbox / "processed")

    assert report.columns["sanction_id"] == "Nomor SK" and report.columns["reason"] == "Keterangan"
    assert report.ignored_columns == ["No"]
    reasons = {json.loads(v)["payload"]["sanction_id"]: json.loads(v)["payload"]["reason"]
               for _t, _k, v, _h in producer.sent}
    assert reasons["800/2001/2024"] == "Tidak masuk kerja tanpa keterangan" and reasons["800/2002/2024"] is None
    assert {r.row: r.reasons for r in report.rows if r.status == "rejected"} == {
        6: ["row.nip_number_cell:payload.nip"],  # stored as 1.98203152006042E+17: the last digits are gone
        8: ["sanction.unknown_name:payload.sanction_code"],
    }
    payloads = {e["payload"]["sanction_id"]: e["payload"] for e in sent_events(producer)}
    got = {sid: (p["nip"], p["sanction_code"], p["decree_date"], p["effective_from"]) for sid, p in payloads.items()}
    assert got == {
        "800/2001/2024": ("198609262015051001", 2, "2024-12-05", "2024-12-05"),
        "800/2002/2024": ("197503122000032004", 23, "2024-12-10", "2024-12-16"),
        "800/2004/2024": ("196905231994031003", 21, "2024-12-13", "2024-12-13"),  # leading ' removed
    }
    assert payloads["800/2001/2024"]["name"] == "Budi Santoso", "runs of spaces collapsed"
    assert {e["source"] for e in sent_events(producer)} == {"bkpsdm:pemerintah-kota-surakarta"}
    assert "format the NIP column as Text" in next(r.detail for r in report.rows if r.row == 6)
    assert report.archived_to == inbox / "processed" / "hukdis_surakarta.xlsx"
    assert [r["status"] for r in result_rows(report.result_path)] == ["sent", "sent", "rejected", "sent", "rejected"]


def test_agency_argument_is_the_default_agency_and_the_source(inbox):
    path = inbox / "export.csv"
    path.write_text("Nomor SK,NIP,Nama,Kode Hukuman,Tanggal SK,TMT Hukuman\n"
                    "800/9/2024,198609262015051001,Budi,1,2024-12-01,2024-12-01\n", encoding="utf-8")
    producer = FakeProducer()
    report = import_file(path, producer, archive_dir=inbox / "processed", agency="Pemerintah Kabupaten Bantul")
    (event,) = sent_events(producer)
    assert report.error is None
    assert event["payload"]["agency"] == "Pemerintah Kabupaten Bantul"
    assert event["source"] == "bkpsdm:pemerintah-kabupaten-bantul"


def test_a_csv_with_a_title_line_and_comma_separators(inbox):
    path = inbox / "33.72_komma.csv"
    path.write_text("\ufeffDAFTAR HUKUMAN DISIPLIN 2024\n\n"
                    "No SK,NIP,Nama,Jenis Hukuman,Tgl SK,TMT,Instansi\n"
                    '800/9/2024,198609262015051001,"Santoso, Budi",Teguran Lisan,1/12/2024,1/12/2024,\n',
                    encoding="utf-8")
    producer = FakeProducer()
    report = import_file(path, producer, archive_dir=inbox / "processed")
    assert [(r.row, r.status) for r in report.rows] == [(4, "sent")]
    (event,) = sent_events(producer)
    assert (event["payload"]["name"], event["payload"]["sanction_code"]) == ("Santoso, Budi", 1)
    assert event["payload"]["agency"] == "Pemerintah Kota Surakarta"


def test_a_nip_that_excel_turned_into_scientific_notation_is_named_as_such(inbox):
    path = inbox / "33.72_sci.csv"
    path.write_text("Nomor SK;NIP;Nama;Kode Hukuman;Tanggal SK;TMT Hukuman\n"
                    "800/9/2024;1,98609E+17;Budi;1;2024-12-01;2024-12-01\n", encoding="utf-8")
    report = import_file(path, FakeProducer(), archive_dir=inbox / "processed")
    assert report.rows[0].reasons == ["row.nip_number_cell:payload.nip"]
    assert "format the NIP column as Text" in report.rows[0].detail


def test_a_repeated_sk_number_in_one_file_is_rejected_after_its_first_row(inbox):
    path = inbox / "33.72_dup.csv"
    path.write_text("Nomor SK;NIP;Nama;Kode Hukuman;Tanggal SK;TMT Hukuman\n"
                    "800/9/2024;198609262015051001;Budi;1;2024-12-01;2024-12-01\n"
                    "800/9/2024;198609262015051001;Budi;2;2024-12-01;2024-12-01\n", encoding="utf-8")
    producer = FakeProducer()
    report = import_file(path, producer, archive_dir=inbox / "processed")
    assert [(r.status, r.reasons) for r in report.rows] == [
        ("sent", []), ("rejected", ["row.duplicate_sanction_id:payload.sanction_id"])]
    assert len(producer.sent) == 1


def test_a_domain_check_rejects_rows_before_they_are_sent(siasn_csv, inbox):
    calls = []

    def domain_check(events):
        calls.append(len(events))
        return [["nip.birth_date_invalid:payload.nip"] if e["payload"]["nip"] == "198609262015051001" else []
                for e in events]

    producer = FakeProducer()
    report = import_file(siasn_csv, producer, archive_dir=inbox / "processed", domain_check=domain_check)
    assert calls == [3], "one call per file with every structurally valid row"
    assert report.sent == 2
    row2 = report.rows[0]
    assert (row2.status, row2.event_id, row2.reasons) == ("rejected", "", ["nip.birth_date_invalid:payload.nip"])
    assert "800/1021/BKPSDM/XII/2024" not in {e["payload"]["sanction_id"] for e in sent_events(producer)}


# ---------------------------------------------------------------- file-level failures


@pytest.mark.parametrize("name, content, expected", [
    ("broken.xlsx", b"PK\x03\x04 this is not really a workbook", "cannot be opened as an Excel .xlsx workbook"),
    ("latin1.csv", "Nomor SK;NIP;Nama\n800/1;1;Sl\xe4met\n".encode("latin-1"), "not UTF-8"),
    ("empty.csv", b"", "the file is empty"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "save the sheet as .xlsx"),
    ("notes.csv", b"hello\nworld\n", "no ';', ',' or tab"),
    ("prose.csv", b"Nomor SK, NIP and Nama are missing here\n", "no header row found in the first 20 rows"),
])
def test_an_unreadable_file_is_moved_to_rejected_not_processed_with_a_result_saying_why(inbox, name, content, expected):
    path = inbox / name
    path.write_bytes(content)
    producer = FakeProducer()
    report = import_file(path, producer, archive_dir=inbox / "processed")

    assert expected in report.error
    assert producer.sent == []
    assert not path.exists()
    assert report.archived_to == inbox / "rejected" / name
    assert not (inbox / "processed").exists() or not any((inbox / "processed").rglob(name)), (
        "a refused file is never archived as processed")
    (row,) = result_rows(report.result_path)
    assert row["status"] == "file_rejected" and expected in row["detail"]
    assert row["reasons"].startswith("file.")


def test_an_unexpected_error_while_reading_refuses_that_file_and_the_scan_goes_on(inbox, monkeypatch):
    from producers import bkpsdm_inbox

    real = bkpsdm_inbox.read_table

    def read_table(path):
        if path.name == "00_odd.xlsx":
            raise KeyError("xl/worksheets/sheet1.xml")
        return real(path)

    monkeypatch.setattr(bkpsdm_inbox, "read_table", read_table)
    (inbox / "00_odd.xlsx").write_bytes(b"whatever")
    shutil.copy(BKPSDM / CSV_NAME, inbox / CSV_NAME)
    producer = FakeProducer()
    odd, good = scan_inbox(inbox, inbox / "processed", producer)  # name order: the odd file first
    assert odd.error == "could not be read (KeyError: 'xl/worksheets/sheet1.xml')"
    assert odd.archived_to == inbox / "rejected" / "00_odd.xlsx"
    assert (good.error, good.sent) == (None, 3)


def test_a_missing_required_column_refuses_the_file_with_a_clear_message(inbox):
    path = inbox / "33.72_no_dates.csv"
    path.write_text("Nomor SK;NIP;Nama;Jenis Hukuman;Instansi\n800/1;198609262015051001;Budi;2;Pemkot\n",
                    encoding="utf-8")
    report = import_file(path, FakeProducer(), archive_dir=inbox / "processed")
    assert report.error.startswith("missing required column(s): decree_date")
    assert "effective_from" in report.error and "'TMT Hukuman'" in report.error
    (row,) = result_rows(report.result_path)
    assert (row["status"], row["reasons"]) == ("file_rejected", "file.missing_column")
    assert report.archived_to.parent == inbox / "rejected"


def test_a_failed_delivery_leaves_the_file_in_the_inbox(siasn_csv, inbox):
    class FailedFuture:
        def get(self, timeout=None):
            raise TimeoutError("broker gone")

    class FailingProducer(FakeProducer):
        def send(self, topic, value=None, key=None, headers=None):
            super().send(topic, value=value, key=key, headers=headers)
            return FailedFuture()

    producer = FailingProducer()
    with pytest.raises(ImportSendError, match="stays in the inbox"):
        import_file(siasn_csv, producer, archive_dir=inbox / "processed")
    assert producer.flushes == 1
    assert siasn_csv.exists() and not (inbox / "processed").exists()


def test_scan_inbox_imports_spreadsheets_in_name_order_and_skips_the_rest(siasn_csv, alias_xlsx, inbox):
    (inbox / "~$hukdis_surakarta.xlsx").write_bytes(b"lock")   # Excel's lock file while a sheet is open
    (inbox / "readme.txt").write_text("not an export")
    (inbox / "processed").mkdir()
    shutil.copy(BKPSDM / CSV_NAME, inbox / "processed" / "old.csv")  # already archived: not read again
    producer = FakeProducer()
    said = []
    reports = scan_inbox(inbox, inbox / "processed", producer, say=said.append)

    assert [r.path.name for r in reports] == [CSV_NAME, "hukdis_surakarta.xlsx"]
    assert len(producer.sent) == 3 + 3
    assert said[0] == f"{CSV_NAME}: 3 sent, 3 rejected (rows 4, 5, 7) -> {inbox / 'processed' / CSV_NAME}"
    assert sorted(p.name for p in inbox.iterdir()) == ["processed", "readme.txt", "~$hukdis_surakarta.xlsx"]
    assert len(read_ledger(inbox / "processed")) == 6
    assert scan_inbox(inbox, inbox / "processed", producer) == [], "nothing left to import"


def test_scan_inbox_leaves_files_that_may_still_be_copying(siasn_csv, inbox):
    os.utime(siasn_csv)  # modified just now
    assert scan_inbox(inbox, inbox / "processed", FakeProducer(), min_age_seconds=60) == []
    assert siasn_csv.exists()
