"""BKPSDM import, step 4: one row -> a validated `sanction.imposed` event (or its reasons), with deterministic ids."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from netra.contracts.decode import decode
from netra.contracts.events import SCHEMA_VERSION
from netra.contracts.vocabulary import WIB
from producers.bkpsdm_cells import cell_nip, cell_text, parse_day, parse_sanction_code, sanction_names
from producers.bkpsdm_read import DATE_FIELDS, Table, blank, map_headers

TOPIC = "sanctions.raw"
EVENT_TYPE = "sanction.imposed"

#: Fixed namespace of Netra's deterministic import ids (uuid5(NAMESPACE_URL, "https://github.com/netra/bkpsdm-import")).
#: Never change it: every id already stored was derived from it.
NETRA_IMPORT_NAMESPACE = uuid.UUID("9dfab7d1-9df7-5b99-9fc2-14100835c8e4")
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
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


# ---------------------------------------------------------------- results


@dataclass
class RowResult:
    """One data row of an export: sent (with its event id) or rejected (with reasons)."""

    row: int  # row number as the spreadsheet shows it (header row included in the count)
    sanction_id: str
    status: str  # sent | rejected
    event_id: str = ""
    reasons: list[str] = field(default_factory=list)
    detail: str = ""


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
class Candidate:
    """A row's result and the event to send for it, if any."""

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
        payload[name] = cell_text(raw)  # keep the raw text so decode can still check the other fields

    for name in ("sanction_id", "name", "recommendation_ref", "reason"):
        value = cell_text(cell(name))
        if value is not None or name in ("recommendation_ref", "reason"):
            payload[name] = value
    try:
        payload["nip"] = cell_nip(cell("nip"))
    except OverflowError:
        fail("nip", "row.nip_number_cell", cell("nip"))
    except TypeError:
        fail("nip", "schema.type", cell("nip"))

    agency = cell_text(cell("agency")) or default_agency or cell_text(cell("agency_unit"))
    if agency is not None:
        payload["agency"] = agency

    raw_code = cell("sanction_code")
    if not blank(raw_code):
        try:
            payload["sanction_code"] = parse_sanction_code(raw_code, names)
        except LookupError:
            fail("sanction_code", "sanction.unknown_name", raw_code)
        except ValueError:
            fail("sanction_code", "row.number_unreadable", raw_code)

    for name in DATE_FIELDS:
        raw = cell(name)
        if blank(raw):
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

    envelope = {"event_id": PLACEHOLDER_ID, "event_type": EVENT_TYPE, "schema_version": SCHEMA_VERSION,
                "source": source, "occurred_at": occurred_at, "payload": payload}
    decoded = decode(json.dumps(envelope, ensure_ascii=False).encode(), topic)
    # a field that could not be converted is reported once, by its conversion reason
    all_reasons = reasons + [r for r in decoded.reasons if r.rpartition(":payload.")[2] not in failed]
    code = payload.get("sanction_code")
    if "sanction_code" not in failed and isinstance(code, int) and code not in sanction_types():
        all_reasons.append("sanction.unknown_code:payload.sanction_code")
    if all_reasons or not decoded.ok:
        return None, list(dict.fromkeys(all_reasons))
    event = cast(dict, decoded.event)  # an event: decoded.ok
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
                 first_sent: dict[str, str] | None = None) -> tuple[list[Candidate], dict, list]:
    """Per data row: the event to send or the reasons it is refused. Pure apart from reading reference data.

    `first_sent` (event_id -> occurred_at) gives events sent before their original occurred_at.
    """
    first_sent = {} if first_sent is None else first_sent
    columns, ignored = map_headers(table.headers, agency_known=default_agency is not None)
    headers_by_field = {name: table.headers[index] for name, index in columns.items()}
    names = sanction_names()
    fixed_source = source_for(source_region, default_agency) if (source_region or default_agency) else None

    candidates: list[Candidate] = []
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
        candidates.append(Candidate(result, event))

    if domain_check is not None:
        checked = [c for c in candidates if c.event is not None]
        for candidate, domain_reasons in zip(checked, domain_check([cast(dict, c.event) for c in checked])):
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
