"""BKPSDM spreadsheet exports (CSV/XLSX) -> row-level validation -> `sanction.imposed` events on `sanctions.raw`.

Regional HR agencies (BKPSDM/BKD) keep their disciplinary records in SIASN and send
them as spreadsheet exports. `import_file` turns one export into contract-v1 events:

1. **Read** a CSV (UTF-8, with or without BOM; `;`, `,` or tab, told apart by the
   header line) or the first sheet of an XLSX. The header row may sit below a few
   title rows (the first row that names at least three known columns is taken).
2. **Map headers** by alias, ignoring case, spaces, `_`, `-` and `.` (`skNomor`,
   "Nomor SK" and `no_sk` are one column; see `FIELD_ALIASES`). Unknown columns are
   ignored and listed. A missing required column fails the whole file with a
   message that names it and the headers accepted for it.
3. **Convert each row**: dates as YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY or
   Excel date cells; sanction as the SIASN code (`jenisHukumanId`) or the SIASN name
   (`netra/reference/sanction_types.csv`, common spellings tolerated).
4. **Validate each row** exactly as the validator will (`netra.contracts.decode`),
   plus the sanction code against the reference catalogue and, when a
   `domain_check` is given, the Great Expectations domain suite once per file. A
   bad row is reported with reason codes and not sent; the good rows are sent.
5. **Send** the good rows (key = sanction_id), flush, check every delivery, then
   write `<name>.result.csv` (one line per row: sent or rejected, with reasons)
   and move the file into the archive folder. If sending fails the file stays in
   the inbox and the next run retries it.

Idempotency: `event_id` is a UUIDv5 over (Netra's namespace, source, sanction_id,
SHA-256 of the normalised payload). Importing the same file twice yields the same
ids, which the sink stores once; a corrected row yields a new id. `occurred_at` is
the file's modification time (+07:00), so the later correction wins in
`core.sanctions`, except for an event already sent before: it is re-sent with the
`occurred_at` it was first sent with, kept in `<archive>/.sent-events.csv`, so a
re-imported file, or a row that recurs in every cumulative monthly export, is
byte-identical to what the sink already stored (the sink refuses an event_id that
comes back with a different body as `event_id.conflict`).

No Airflow import here: the DAG `import_bkpsdm_exports` and any command line call
`scan_inbox` / `import_file` with a producer passed in.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from netra.contracts.decode import decode
from netra.contracts.events import SCHEMA_VERSION, key_for

log = logging.getLogger("netra.bkpsdm_import")

TOPIC = "sanctions.raw"
EVENT_TYPE = "sanction.imposed"
WIB = timezone(timedelta(hours=7))

#: Fixed namespace of Netra's deterministic import ids (uuid5(NAMESPACE_URL, "https://github.com/netra/bkpsdm-import")).
#: Never change it: every id already stored was derived from it.
NETRA_IMPORT_NAMESPACE = uuid.UUID("9dfab7d1-9df7-5b99-9fc2-14100835c8e4")
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"

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
    "reason": ("alasanHukumanDisiplin", "alasanHukumanDisiplinNama", "Alasan", "Alasan Hukuman",
               "Alasan Hukuman Disiplin", "reason"),
}
REQUIRED_FIELDS = ("sanction_id", "nip", "name", "sanction_code", "decree_date", "effective_from")
DATE_FIELDS = ("decree_date", "effective_from", "effective_to")

#: Ledger of what was sent from an archive folder: event_id -> the occurred_at it was first sent with.
LEDGER_NAME = ".sent-events.csv"
LEDGER_COLUMNS = ("event_id", "occurred_at", "sanction_id", "file")

#: Columns of `<name>.result.csv`.
RESULT_COLUMNS = ("row", "sanction_id", "status", "event_id", "reasons", "detail")

#: What a reason code means to the person who fixes the spreadsheet (the `detail` column).
REASON_TEXT = {
    "schema.required": "is empty",
    "schema.too_short": "is empty",
    "schema.too_long": "is too long",
    "schema.pattern": "has the wrong format",
    "schema.type": "has the wrong type",
    "schema.date": "is not a date",
    "row.date_unreadable": "is not a date (use DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD or an Excel date cell)",
    "row.nip_number_cell": "is stored as a number, which loses digits in Excel; format the NIP column as Text",
    "row.number_unreadable": "is not a whole number",
    "row.duplicate_sanction_id": "repeats the SK number of an earlier row in this file; one SK per row",
    "sanction.unknown_code": "is not a SIASN sanction code (see netra/reference/sanction_types.csv)",
    "sanction.unknown_name": "is neither a SIASN sanction code nor a sanction name from the SIASN list",
    "nip.birth_date_invalid": "has an impossible birth date (digits 1-8)",
    "nip.cpns_start_invalid": "has an impossible CPNS start month (digits 9-14)",
    "nip.sex_invalid": "has a sex digit (15th) other than 1 or 2",
    "date.out_of_range": "is before 2000 or in the future",
}
_FIELD_TEXT = {"nip": "must be 18 digits (spaces allowed)"}

Producer = Any  # kafka.KafkaProducer or a test fake: send(topic, value=, key=), flush()
DomainCheck = Callable[[list[dict]], list[list[str]]]
Say = Callable[[str], None]


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why and what to do, `code` says it for machines."""

    def __init__(self, message: str, code: str = "file.unreadable"):
        super().__init__(message)
        self.code = code


class ImportSendError(RuntimeError):
    """Kafka did not acknowledge every event of a file; the file stays in the inbox to be retried."""


# ---------------------------------------------------------------- results


@dataclass
class RowResult:
    row: int  # row number as the spreadsheet shows it (header row included in the count)
    sanction_id: str
    status: str  # sent | rejected
    event_id: str = ""
    reasons: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class ImportReport:
    path: Path
    source: str = ""
    rows: list[RowResult] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written in the file
    ignored_columns: list[str] = field(default_factory=list)
    archived_to: Path | None = None
    result_path: Path | None = None
    error: str | None = None  # set when the whole file was refused

    @property
    def sent(self) -> int:
        return sum(1 for r in self.rows if r.status == "sent")

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.rows if r.status == "rejected")

    @property
    def event_ids(self) -> list[str]:
        return [r.event_id for r in self.rows if r.status == "sent"]

    def summary(self) -> str:
        where = f" -> {self.archived_to}" if self.archived_to else ""
        if self.error:
            return f"{self.path.name}: file refused: {self.error}{where}"
        text = f"{self.path.name}: {self.sent} sent, {self.rejected} rejected"
        if self.rejected:
            bad = [str(r.row) for r in self.rows if r.status == "rejected"]
            text += f" (rows {', '.join(bad[:20])}{' ...' if len(bad) > 20 else ''})"
        return text + where

    def as_dict(self) -> dict:
        return {"file": self.path.name, "sent": self.sent, "rejected": self.rejected, "error": self.error,
                "archived_to": str(self.archived_to) if self.archived_to else None}


# ---------------------------------------------------------------- reading


@dataclass
class Table:
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, cell values)


def _norm_header(value: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


_ALIAS_INDEX: dict[str, tuple[str, int]] = {
    _norm_header(alias): (name, rank) for name, aliases in FIELD_ALIASES.items() for rank, alias in enumerate(aliases)
}


def _blank(value: Any) -> bool:
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
    rows = [(n, cells) for n, cells in rows if not all(_blank(c) for c in cells)]
    if not rows:
        raise ImportFileError("the file is empty", "file.empty")
    for index, (number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        known = {_ALIAS_INDEX[_norm_header(c)][0] for c in cells if _norm_header(c) in _ALIAS_INDEX}
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
        key = _norm_header(header)
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


# ---------------------------------------------------------------- cell conversion


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")


def parse_day(value: Any) -> date:
    """A business date from a cell: Excel date, YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY or DD.MM.YYYY. Raises ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if m := _ISO.match(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(text):
        return date(int(m[4]), int(m[3]), int(m[1]))
    raise ValueError(f"not a date: {value!r}")


def _text(value: Any) -> str | None:
    """Cell -> trimmed text with runs of whitespace (incl. no-break spaces) collapsed; None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    text = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    return text or None


def _nip(value: Any) -> str | None:
    """The NIP as text. A float cell has lost digits already (Excel keeps 15): refused by the caller."""
    if isinstance(value, bool):
        raise TypeError("not a NIP")
    if isinstance(value, float):
        raise OverflowError("number cell")
    text = _text(value)
    if text is None:
        return None
    text = text.lstrip("'")  # a leading apostrophe is Excel's "keep as text" mark
    if re.fullmatch(r"\d(?:[.,]\d+)?[eE]\+?\d+", text):  # 1.98609E+17: a number cell saved to CSV
        raise OverflowError("number cell")
    return text


_NAME_PHRASES = (("TUNJANGAN KINERJA", "TUNKIN"),)
_NAME_TOKENS = {"BULAN": "BLN", "TAHUN": "THN", "TH": "THN", "DALAM": "DLM", "MAKSIMAL": "MAX",
                "MAKS": "MAX", "SELAMA": "", "BERUPA": "", "SEBAGAI": ""}
#: Common names used in exports that are not the SIASN catalogue's wording.
_EXTRA_NAMES = {
    "PTDH": 11, "PDHTAPS": 10,
    "PERNYATAAN SECARA TERBUKA": 21, "PERNYATAAN SECARA TERTUTUP": 22,
    "SANKSI MORAL PERNYATAAN SECARA TERBUKA": 21, "SANKSI MORAL PERNYATAAN SECARA TERTUTUP": 22,
}


def _norm_sanction_name(name: str) -> str:
    text = re.sub(r"[^A-Z0-9%]+", " ", unicodedata.normalize("NFKC", name).upper())
    for phrase, short in _NAME_PHRASES:
        text = text.replace(phrase, short)
    return " ".join(t for t in (_NAME_TOKENS.get(w, w) for w in text.split()) if t)


def _sanction_names() -> dict[str, int]:
    from netra.reference import sanction_types

    names = {_norm_sanction_name(st.name): code for code, st in sanction_types().items()}
    names.update({_norm_sanction_name(n): code for n, code in _EXTRA_NAMES.items()})
    return names


def parse_sanction_code(value: Any, names: dict[str, int] | None = None) -> int:
    """SIASN `jenisHukumanId` from a code cell (2, "02", 2.0, "2 - TEGURAN TERTULIS") or a SIASN name.

    Raises ValueError("number") for a non-whole number, LookupError for an unknown name.
    """
    if isinstance(value, bool):
        raise ValueError("number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("number")
    text = _text(value) or ""
    if m := re.match(r"^(\d{1,3})(?:\s*[-.:)]\s*[^\W\d_].*)?$", text):  # "2", "2 - TEGURAN TERTULIS"
        return int(m[1])
    key = _norm_sanction_name(text)
    names = _sanction_names() if names is None else names
    if key in names:
        return names[key]
    raise LookupError(text)


# ---------------------------------------------------------------- events


def _slug(text: str, limit: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")


def region_from_filename(path: Path) -> str | None:
    """Kemendagri region code a file name starts with (`33.72_hukdis.csv`, `33-...`), if it exists."""
    from netra.reference import regions

    m = re.match(r"^(\d{2}(?:\.\d{2})?)(?=[ _\-.]|$)", Path(path).name)
    return m[1] if m and m[1] in regions() else None


def default_agency_for_region(region_code: str) -> str:
    """`Pemerintah Kota Surakarta`, `Pemerintah Provinsi Jawa Tengah`: how recommendations name the PPK agency."""
    from netra.reference import regions

    r = regions().get(region_code)
    if r is None:
        raise ValueError(f"unknown region code {region_code!r}: use a Kemendagri code such as 33.72 or 33")
    title = " ".join(w.lower() if w == "DAN" else w.title() for w in r.name.split())
    kind = {"provinsi": "Provinsi", "kota": "Kota"}.get(r.kind, "Kabupaten")
    return f"Pemerintah {kind} {title}"


def source_for(region_code: str | None, agency: str | None) -> str:
    """`bkpsdm:<region code>` if the region is known, else `bkpsdm:<agency slug>` (contract: `^[a-z0-9:._-]{1,64}$`)."""
    if region_code:
        return f"bkpsdm:{region_code}"
    slug = _slug(agency or "", 64 - len("bkpsdm:"))
    return f"bkpsdm:{slug or 'unknown'}"


def event_id_for(source: str, payload: dict) -> str:
    """Deterministic id: same source + same normalised payload -> same id; any corrected field -> a new id."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return str(uuid.uuid5(NETRA_IMPORT_NAMESPACE, f"{source}|{payload['sanction_id']}|{digest}"))


def occurred_at_for(path: Path) -> str:
    """The file's modification time in WIB, to the second: deterministic for a given file."""
    mtime = int(Path(path).stat().st_mtime)
    return datetime.fromtimestamp(mtime, WIB).isoformat()


@dataclass
class _Candidate:
    result: RowResult
    event: dict | None = None


def _convert_row(cells: list[Any], columns: dict[str, int], default_agency: str | None,
                 names: dict[str, int]) -> tuple[dict, list[str], set[str]]:
    """Payload from one row, the conversion reasons, and the fields those reasons cover."""

    def cell(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    payload: dict[str, Any] = {}
    reasons: list[str] = []
    failed: set[str] = set()

    def fail(name: str, code: str, raw: Any) -> None:
        reasons.append(f"{code}:payload.{name}")
        failed.add(name)
        payload[name] = _text(raw)  # keep the raw text so decode can still check the other fields

    for name in ("sanction_id", "name", "recommendation_ref", "reason"):
        value = _text(cell(name))
        if value is not None or name in ("recommendation_ref", "reason"):
            payload[name] = value
    try:
        payload["nip"] = _nip(cell("nip"))
    except OverflowError:
        fail("nip", "row.nip_number_cell", cell("nip"))
    except TypeError:
        fail("nip", "schema.type", cell("nip"))

    agency = _text(cell("agency")) or default_agency or _text(cell("agency_unit"))
    if agency is not None:
        payload["agency"] = agency

    raw_code = cell("sanction_code")
    if not _blank(raw_code):
        try:
            payload["sanction_code"] = parse_sanction_code(raw_code, names)
        except LookupError:
            fail("sanction_code", "sanction.unknown_name", raw_code)
        except ValueError:
            fail("sanction_code", "row.number_unreadable", raw_code)

    for name in DATE_FIELDS:
        raw = cell(name)
        if _blank(raw):
            if name == "effective_to":
                payload[name] = None
            continue
        try:
            payload[name] = parse_day(raw).isoformat()
        except ValueError:
            fail(name, "row.date_unreadable", raw)
    return payload, reasons, failed


def _check_row(payload: dict, reasons: list[str], failed: set[str], source: str, occurred_at: str,
               topic: str, first_sent: dict[str, str]) -> tuple[dict | None, list[str]]:
    """Decode the row's event as the validator will; merge with the conversion reasons."""
    from netra.reference import sanction_types

    envelope = {"event_id": _PLACEHOLDER_ID, "event_type": EVENT_TYPE, "schema_version": SCHEMA_VERSION,
                "source": source, "occurred_at": occurred_at, "payload": payload}
    decoded = decode(json.dumps(envelope, ensure_ascii=False).encode(), topic)
    # a field that could not be converted is reported once, by its conversion reason
    all_reasons = reasons + [r for r in decoded.reasons if r.rpartition(":payload.")[2] not in failed]
    code = payload.get("sanction_code")
    if "sanction_code" not in failed and isinstance(code, int) and code not in sanction_types():
        all_reasons.append("sanction.unknown_code:payload.sanction_code")
    if all_reasons or not decoded.ok:
        return None, list(dict.fromkeys(all_reasons))
    event = decoded.event
    event["event_id"] = event_id_for(source, event["payload"])
    # an event sent before goes out again exactly as it was first sent
    event["occurred_at"] = first_sent.get(event["event_id"], event["occurred_at"])
    return event, []


def _detail(reasons: Iterable[str], headers_by_field: dict[str, str]) -> str:
    parts = []
    for reason in reasons:
        code, _, path = reason.partition(":")
        name = path.rpartition(".")[2] if path else ""
        column = headers_by_field.get(name, name) or "row"
        text = _FIELD_TEXT.get(name) if code == "schema.pattern" and name in _FIELD_TEXT else None
        parts.append(f"{column}: {text or REASON_TEXT.get(code, code)}")
    return "; ".join(parts)


def build_events(table: Table, *, source_region: str | None, default_agency: str | None, occurred_at: str,
                 topic: str = TOPIC, domain_check: DomainCheck | None = None,
                 first_sent: dict[str, str] | None = None) -> tuple[list[_Candidate], dict, list]:
    """Per data row: the event to send or the reasons it is refused. Pure apart from reading reference data.

    `first_sent` (event_id -> occurred_at) gives events sent before their original occurred_at.
    """
    first_sent = {} if first_sent is None else first_sent
    columns, ignored = map_headers(table.headers, agency_known=default_agency is not None)
    headers_by_field = {name: table.headers[index] for name, index in columns.items()}
    names = _sanction_names()
    fixed_source = source_for(source_region, default_agency) if (source_region or default_agency) else None

    candidates: list[_Candidate] = []
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:
        payload, reasons, failed = _convert_row(cells, columns, default_agency, names)
        source = fixed_source or source_for(None, payload.get("agency"))
        event, reasons = _check_row(payload, reasons, failed, source, occurred_at, topic, first_sent)
        sanction_id = str(payload.get("sanction_id") or "")
        if sanction_id:
            if sanction_id in first_row_of:
                reasons.append("row.duplicate_sanction_id:payload.sanction_id")
                event = None
            else:
                first_row_of[sanction_id] = number
        result = RowResult(number, sanction_id, "rejected" if event is None else "sent", reasons=reasons)
        candidates.append(_Candidate(result, event))

    if domain_check is not None:
        checked = [c for c in candidates if c.event is not None]
        for candidate, domain_reasons in zip(checked, domain_check([c.event for c in checked])):
            if domain_reasons:
                candidate.event = None
                candidate.result.status = "rejected"
                candidate.result.reasons.extend(domain_reasons)

    for candidate in candidates:
        if candidate.event is not None:
            candidate.result.event_id = candidate.event["event_id"]
        candidate.result.detail = _detail(candidate.result.reasons, headers_by_field)
    return candidates, headers_by_field, ignored


def gx_domain_check(today: date) -> DomainCheck:
    """The validator's Great Expectations domain suite as a `domain_check` (one GX call per file)."""

    def check(events: list[dict]) -> list[list[str]]:
        from expectations.events import validate_batch

        return validate_batch(events, today=today)

    return check


# ---------------------------------------------------------------- files


def read_ledger(archive_dir: Path | str) -> dict[str, str]:
    """event_id -> occurred_at of every event sent from this archive folder's imports (empty when none)."""
    path = Path(archive_dir) / LEDGER_NAME
    if not path.exists():
        return {}
    known = {}
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.reader(f):
            # a line cut short by a crash is skipped: that event is then sent with the file's own time
            if len(row) != len(LEDGER_COLUMNS) or row[0] == LEDGER_COLUMNS[0]:
                continue
            try:
                uuid.UUID(row[0])
                if datetime.fromisoformat(row[1]).tzinfo is None:
                    continue
            except ValueError:
                continue
            known.setdefault(row[0], row[1])
    return known


def _append_ledger(archive_dir: Path, events: list[dict], file_name: str, known: dict[str, str]) -> None:
    new = [e for e in events if e["event_id"] not in known]
    if not new:
        return
    archive_dir.mkdir(parents=True, exist_ok=True)
    path = archive_dir / LEDGER_NAME
    exists = path.exists() and path.stat().st_size > 0
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if not exists:
            writer.writerow(LEDGER_COLUMNS)
        writer.writerows((e["event_id"], e["occurred_at"], e["payload"]["sanction_id"], file_name) for e in new)
        f.flush()


def _unique_target(folder: Path, name: str) -> Path:
    """`folder/name`, or `stem.2.ext`, `stem.3.ext`, ... when that name (or its report) is taken."""
    path = Path(name)
    candidate, n = folder / name, 1
    while candidate.exists() or candidate.with_name(candidate.name + ".result.csv").exists():
        n += 1
        candidate = folder / f"{path.stem}.{n}{path.suffix}"
    return candidate


def _write_result(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    # utf-8-sig: Excel, which is what the BKPSDM staff open it with, then shows names correctly
    with open(tmp, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(RESULT_COLUMNS)
        writer.writerows(rows)
    tmp.replace(path)


def _archive(path: Path, folder: Path, result_rows: list[Sequence[Any]]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    target = _unique_target(folder, path.name)
    result_path = target.with_name(target.name + ".result.csv")
    _write_result(result_path, result_rows)  # the report first: a file in the archive always has one
    shutil.move(str(path), str(target))
    return target, result_path


def rejected_dir_for(archive_dir: Path | str) -> Path:
    """Where refused files go: `rejected/` beside the archive (never inside it: nothing there was imported)."""
    return Path(archive_dir).parent / "rejected"


def _refuse(report: ImportReport, archive_dir: Path, error: ImportFileError) -> ImportReport:
    report.error = str(error)
    report.archived_to, report.result_path = _archive(
        report.path, rejected_dir_for(archive_dir), [("", "", "file_rejected", "", error.code, str(error))]
    )
    return report


def _send_all(producer: Producer, topic: str, events: list[dict]) -> None:
    futures = []
    try:
        for event in events:
            value = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
            futures.append(producer.send(topic, value=value, key=key_for(event)))
    finally:
        producer.flush()
    failures = []
    for future in futures:
        if future is None:  # test fakes return nothing
            continue
        try:
            future.get(timeout=30)
        except Exception as exc:  # noqa: BLE001 - any delivery failure means: retry the file later
            failures.append(exc)
    if failures:
        raise ImportSendError(f"{len(failures)} of {len(futures)} events were not acknowledged by Kafka "
                              f"(first: {failures[0]!r}); the file stays in the inbox and will be retried")


def import_file(path: Path | str, producer: Producer, *, archive_dir: Path | str, topic: str = TOPIC,
                agency: str | None = None, region: str | None = None,
                domain_check: DomainCheck | None = None) -> ImportReport:
    """Import one export: send its valid rows, write `<name>.result.csv`, move it into `archive_dir`.

    A file that cannot be read, or lacks a required column, is not imported: it goes to
    `rejected/` beside `archive_dir` (see `rejected_dir_for`) with a result file that says why. `agency` is the default for rows without an Instansi; `region`
    (Kemendagri code) sets the source and, with no `agency`, the default agency; without it the
    region is read from the file name's start (`33.72_...`). Raises ImportSendError (file left in
    place) when Kafka does not acknowledge the events.
    """
    path, archive_dir = Path(path), Path(archive_dir)
    report = ImportReport(path)
    region = region or region_from_filename(path)
    default_agency = agency or (default_agency_for_region(region) if region else None)
    try:
        table = read_table(path)
        occurred_at = occurred_at_for(path)
        first_sent = read_ledger(archive_dir)
        candidates, report.columns, report.ignored_columns = build_events(
            table, source_region=region, default_agency=default_agency, occurred_at=occurred_at,
            topic=topic, domain_check=domain_check, first_sent=first_sent)
    except ImportFileError as exc:
        return _refuse(report, archive_dir, exc)
    except Exception as exc:  # noqa: BLE001 - one odd file must not block the inbox; the traceback goes to the log
        log.exception("%s could not be read", path)
        return _refuse(report, archive_dir, ImportFileError(f"could not be read ({type(exc).__name__}: {exc})"))
    report.rows = [c.result for c in candidates]
    sources = {c.event["source"] for c in candidates if c.event is not None}
    report.source = ", ".join(sorted(sources)) or source_for(region, default_agency)

    events = [c.event for c in candidates if c.event is not None]
    _send_all(producer, topic, events)
    _append_ledger(archive_dir, events, path.name, first_sent)  # only after Kafka acknowledged them
    report.archived_to, report.result_path = _archive(path, archive_dir, [
        (r.row, r.sanction_id, r.status, r.event_id, " ".join(r.reasons), r.detail) for r in report.rows
    ])
    return report


def inbox_files(inbox: Path | str, *, min_age_seconds: float = 0.0, now: float | None = None) -> list[Path]:
    """Spreadsheets waiting in the inbox, in name order. Files younger than `min_age_seconds` may still be
    being copied and are left for the next run; Office lock files (`~$...`) and hidden files are skipped."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    now = time.time() if now is None else now
    found = []
    for path in sorted(inbox.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.name.startswith(("~$", ".")):
            continue
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES + LEGACY_SUFFIXES:
            continue
        if now - path.stat().st_mtime < min_age_seconds:
            continue
        found.append(path)
    return found


def scan_inbox(inbox: Path | str, archive_dir: Path | str, producer: Producer, *, topic: str = TOPIC,
               agency: str | None = None, region: str | None = None, domain_check: DomainCheck | None = None,
               min_age_seconds: float = 0.0, say: Say | None = None) -> list[ImportReport]:
    """Import every *.csv / *.xlsx in `inbox` (not its subfolders), in name order; one report per file."""
    reports = []
    for path in inbox_files(inbox, min_age_seconds=min_age_seconds):
        report = import_file(path, producer, archive_dir=archive_dir, topic=topic, agency=agency, region=region,
                             domain_check=domain_check)
        if say is not None:
            say(report.summary())
        reports.append(report)
    return reports


# ---------------------------------------------------------------- wiring (DAG and command line)

#: A file must be this old before the scheduled scan reads it, so a copy in progress is not read half-written.
INBOX_MIN_AGE_SECONDS = 60.0


def inbox_paths(settings) -> tuple[Path, Path]:
    """(inbox, archive): NETRA_BKPSDM_INBOX (default NETRA_HOME/inbox/bkpsdm) and its `processed/` folder."""
    return settings.bkpsdm_inbox, settings.bkpsdm_inbox / "processed"


def import_inbox(settings, *, today: date, say: Say = print, min_age_seconds: float = INBOX_MIN_AGE_SECONDS,
                 domain_check: bool = True) -> dict:
    """What the DAG runs: every export waiting in the inbox, through a real producer, with the GX domain rules
    as of `today` (the run's business day, not the wall clock). Returns counts for the task's XCom."""
    from netra.kafka_io import make_producer

    inbox, archive = inbox_paths(settings)
    inbox.mkdir(parents=True, exist_ok=True)
    say(f"BKPSDM inbox {inbox} (archive {archive})")
    producer = make_producer(settings, client_id="netra-bkpsdm-import")
    try:
        reports = scan_inbox(inbox, archive, producer, domain_check=gx_domain_check(today) if domain_check else None,
                             min_age_seconds=min_age_seconds, say=say)
    finally:
        producer.close()
    if not reports:
        say("no files waiting")
    return {"files": len(reports), "sent": sum(r.sent for r in reports),
            "rejected_rows": sum(r.rejected for r in reports),
            "refused_files": [r.path.name for r in reports if r.error],
            "reports": [r.as_dict() for r in reports]}
