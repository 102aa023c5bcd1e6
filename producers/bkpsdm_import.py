"""BKPSDM spreadsheet exports (CSV/XLSX) -> row-level validation -> `sanction.imposed` events on `sanctions.raw`.

Regional HR agencies (BKPSDM/BKD) keep their disciplinary records in SIASN and send
them as spreadsheet exports. `import_file` turns one export into contract-v1 events:

1. **Read** a CSV (UTF-8, with or without BOM; `;`, `,` or tab, told apart by the
   header line) or the first sheet of an XLSX. The header row may sit below a few
   title rows (the first row that names at least three known columns is taken).
2. **Map headers** by alias, ignoring case, spaces, `_`, `-` and `.` (`skNomor`,
   "Nomor SK" and `no_sk` are one column; see `FIELD_ALIASES`). The reason column
   (`alasanHukumanDisiplin`, "Alasan", "Keterangan", "Jenis Pelanggaran", ...) becomes
   `reason`: it decides whether the sanction is about election neutrality (DESIGN.md §6). Unknown columns are
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

This module is the public face; the work is split by job: `bkpsdm_read` (steps 1-2),
`bkpsdm_cells` (step 3), `bkpsdm_rows` (step 4), `bkpsdm_inbox` (step 5, the scan and the
DAG wiring). Sending reuses the one delivery check, `netra.kafka_io.await_delivery`.
"""
from __future__ import annotations

from producers.bkpsdm_cells import parse_day, parse_sanction_code
from producers.bkpsdm_inbox import (
    INBOX_MIN_AGE_SECONDS,
    LEDGER_COLUMNS,
    LEDGER_NAME,
    ImportReport,
    ImportSendError,
    import_file,
    import_inbox,
    inbox_files,
    inbox_paths,
    read_ledger,
    rejected_dir_for,
    scan_inbox,
)
from producers.bkpsdm_read import (
    DATE_FIELDS,
    FIELD_ALIASES,
    LEGACY_SUFFIXES,
    REQUIRED_FIELDS,
    SPREADSHEET_SUFFIXES,
    ImportFileError,
    Table,
    map_headers,
    norm_header,
    read_table,
)
from producers.bkpsdm_rows import (
    EVENT_TYPE,
    NETRA_IMPORT_NAMESPACE,
    REASON_TEXT,
    RESULT_COLUMNS,
    TOPIC,
    RowResult,
    build_events,
    default_agency_for_region,
    event_id_for,
    gx_domain_check,
    occurred_at_for,
    region_from_filename,
    source_for,
)

__all__ = [
    "DATE_FIELDS", "EVENT_TYPE", "FIELD_ALIASES", "INBOX_MIN_AGE_SECONDS", "LEDGER_COLUMNS", "LEDGER_NAME",
    "LEGACY_SUFFIXES", "NETRA_IMPORT_NAMESPACE", "REASON_TEXT", "REQUIRED_FIELDS", "RESULT_COLUMNS",
    "SPREADSHEET_SUFFIXES", "TOPIC", "ImportFileError", "ImportReport", "ImportSendError", "RowResult", "Table",
    "build_events", "default_agency_for_region", "event_id_for", "gx_domain_check", "import_file", "import_inbox",
    "inbox_files", "inbox_paths", "map_headers", "norm_header", "occurred_at_for", "parse_day",
    "parse_sanction_code", "read_ledger", "read_table", "rejected_dir_for", "region_from_filename", "scan_inbox",
    "source_for",
]
