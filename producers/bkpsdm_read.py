"""BKPSDM import, step 1-2: read a CSV/XLSX export, find its header row, map headers to contract fields."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Extensions the inbox scan picks up; the legacy ones are refused with a clear "save as" message.
SPREADSHEET_SUFFIXES = (".csv", ".xlsx")
LEGACY_SUFFIXES = (".xls", ".ods", ".xlsm")

#: Header rows are looked for among the first rows (exports often start with a title block).
HEADER_SEARCH_ROWS = 20
MIN_HEADER_MATCHES = 3

#: Contract field -> accepted headers, most preferred first. Matching ignores case, spaces,
#: `_`, `-` and `.`. The camelCase names are the SIASN disciplinary record's (DOMAIN.md §2.2).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "sanction_id": ("skNomor", "Nomor SK", "No SK", "Nomor SK Hukuman", "Nomor Keputusan", "sanction_id"),
    "nip": ("nipBaru", "NIP", "NIP Baru", "NIP PNS", "nip"),
    "name": ("nama", "Nama", "Nama PNS", "Nama ASN", "Nama Pegawai", "Nama Lengkap", "name"),
    "sanction_code": ("jenisHukumanId", "Kode Hukuman", "Jenis Hukuman", "jenisHukumanNama",
                      "Jenis Hukuman Disiplin", "Hukuman Disiplin", "sanction_code"),
    "decree_date": ("skTanggal", "Tanggal SK", "Tgl SK", "decree_date"),
    "effective_from": ("hukumanTanggal", "TMT Hukuman", "TMT", "Tanggal Hukuman", "Tanggal Mulai Hukuman",
                       "effective_from"),
    "effective_to": ("akhirHukumanTanggal", "Akhir Hukuman", "Tanggal Akhir Hukuman", "TMT Akhir Hukuman",
                     "effective_to"),
    # The PPK's agency ("Instansi") is what recommendations name; the work unit is only a fallback.
    "agency": ("Instansi", "Nama Instansi", "instansiKerja", "Instansi Induk", "agency"),
    "agency_unit": ("Unit Kerja", "Satuan Kerja", "Satker", "OPD", "unitOrganisasi"),
    "recommendation_ref": ("Nomor Rekomendasi", "No Rekomendasi", "Nomor Surat Rekomendasi", "recommendation_ref"),
    # The offence the sanction is for (SIASN alasanHukumanDisiplin): DESIGN.md §6 eligibility reads it.
    "reason": ("alasanHukumanDisiplin", "alasanHukumanDisiplinNama", "Alasan", "Alasan Hukuman",
               "Alasan Hukuman Disiplin", "Alasan Hukdis", "Jenis Pelanggaran", "Jenis Pelanggaran Disiplin",
               "Pelanggaran", "Pelanggaran Disiplin", "Uraian Pelanggaran", "Keterangan Pelanggaran", "Keterangan",
               "Ket", "reason"),
}
REQUIRED_FIELDS = ("sanction_id", "nip", "name", "sanction_code", "decree_date", "effective_from")
DATE_FIELDS = ("decree_date", "effective_from", "effective_to")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why and what to do, `code` says it for machines."""

    def __init__(self, message: str, code: str = "file.unreadable"):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------- reading


@dataclass
class Table:
    """The cells of an export below its header row."""

    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, cell values)


def norm_header(value: Any) -> str:
    """A header as matched against FIELD_ALIASES: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


_ALIAS_INDEX: dict[str, tuple[str, int]] = {
    norm_header(alias): (name, rank) for name, aliases in FIELD_ALIASES.items() for rank, alias in enumerate(aliases)
}


def blank(value: Any) -> bool:
    """An empty cell (None or only whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _read_csv(path: Path) -> list[tuple[int, list[Any]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"not UTF-8 text (byte {exc.start}); in Excel use 'Save as' -> 'CSV UTF-8 (Comma delimited)'"
        ) from None
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
    if not lines:
        raise ImportFileError("the file is empty", "file.empty")
    # the separator the header row uses most (a title line above it may have none)
    delimiter = max((";", ",", "\t"), key=lambda d: max(line.count(d) for line in lines))
    if not any(delimiter in line for line in lines):
        raise ImportFileError("no ';', ',' or tab separators in the first lines: is this a spreadsheet export?")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, previous_end = [], 0
    try:
        for cells in reader:
            rows.append((previous_end + 1, cells))
            previous_end = reader.line_num
    except csv.Error as exc:
        raise ImportFileError(f"CSV syntax error near line {reader.line_num}: {exc}") from None
    return rows


def _read_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError, ...: all mean "not a workbook"
        raise ImportFileError(f"cannot be opened as an Excel .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("the workbook has no sheet")
        sheet = workbook.worksheets[0]
        return [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()  # read-only mode keeps the file open until closed


def read_table(path: Path) -> Table:
    """Cells of a CSV or the first sheet of an XLSX, with the header row found. Raises ImportFileError."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in LEGACY_SUFFIXES:
        raise ImportFileError(f"{suffix} files are not read; save the sheet as .xlsx or as CSV UTF-8",
                              "file.unsupported_type")
    if suffix not in SPREADSHEET_SUFFIXES:
        raise ImportFileError(f"unsupported file type {suffix or '(none)'}; send .csv or .xlsx",
                              "file.unsupported_type")
    rows = _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
    rows = [(n, cells) for n, cells in rows if not all(blank(c) for c in cells)]
    if not rows:
        raise ImportFileError("the file is empty", "file.empty")
    for index, (number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        known = {_ALIAS_INDEX[norm_header(c)][0] for c in cells if norm_header(c) in _ALIAS_INDEX}
        if len(known) >= MIN_HEADER_MATCHES:
            headers = ["" if c is None else str(c).strip() for c in cells]
            return Table(number, headers, rows[index + 1:])
    raise ImportFileError(
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows; expected columns such as "
        + "; ".join(f"{f}: {' / '.join(FIELD_ALIASES[f][:3])}" for f in REQUIRED_FIELDS),
        "file.no_header",
    )


def map_headers(headers: Sequence[str], *, agency_known: bool) -> tuple[dict[str, int], list[str]]:
    """Field -> column index (preferred alias wins), and the headers that were ignored.

    Raises ImportFileError when a required column is missing or one header is repeated.
    """
    best: dict[str, tuple[int, int]] = {}  # field -> (alias rank, column index)
    seen: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = norm_header(header)
        if not key:
            continue
        if key in seen and key in _ALIAS_INDEX:
            raise ImportFileError(f"column {header!r} appears twice (columns {seen[key] + 1} and {index + 1}); "
                                  "remove one", "file.duplicate_column")
        seen[key] = index
        if key not in _ALIAS_INDEX:
            ignored.append(header)
            continue
        name, rank = _ALIAS_INDEX[key]
        if name not in best or rank < best[name][0]:
            if name in best:
                ignored.append(headers[best[name][1]])
            best[name] = (rank, index)
        else:
            ignored.append(header)
    columns = {name: index for name, (_rank, index) in best.items()}
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if not agency_known and "agency" not in columns and "agency_unit" not in columns:
        missing.append("agency")
    if missing:
        accepted = {**FIELD_ALIASES, "agency": FIELD_ALIASES["agency"] + FIELD_ALIASES["agency_unit"]}
        raise ImportFileError(
            "missing required column(s): "
            + "; ".join(f"{f} (accepted headers: {', '.join(repr(a) for a in accepted[f])})" for f in missing)
            + ("" if "agency" not in missing else
               "; or name the agency with --agency, or start the file name with the region code, e.g. 33.72_..."),
            "file.missing_column",
        )
    return columns, ignored
