"""BKPSDM import, step 5: send, ledger, result file and archive; the inbox scan and the DAG wiring."""
from __future__ import annotations

import csv
import logging
import shutil
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from netra.contracts.codec import encode_event
from netra.contracts.events import key_for
from netra.kafka_io import DeliveryError, await_delivery
from producers.bkpsdm_read import LEGACY_SUFFIXES, SPREADSHEET_SUFFIXES, ImportFileError, read_table
from producers.bkpsdm_rows import (
    RESULT_COLUMNS,
    TOPIC,
    DomainCheck,
    Producer,
    RowResult,
    Say,
    build_events,
    default_agency_for_region,
    gx_domain_check,
    occurred_at_for,
    region_from_filename,
    source_for,
)

log = logging.getLogger("netra.bkpsdm_import")

#: Ledger of what was sent from an archive folder: event_id -> the occurred_at it was first sent with.
LEDGER_NAME = ".sent-events.csv"
LEDGER_COLUMNS = ("event_id", "occurred_at", "sanction_id", "file")

class ImportSendError(RuntimeError):
    """Kafka did not acknowledge every event of a file; the file stays in the inbox to be retried."""


@dataclass
class ImportReport:
    """What importing one file did: per-row results, columns read, where the file went."""

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
        """Rows sent."""
        return sum(1 for r in self.rows if r.status == "sent")

    @property
    def rejected(self) -> int:
        """Rows rejected."""
        return sum(1 for r in self.rows if r.status == "rejected")

    @property
    def event_ids(self) -> list[str]:
        """Event ids of the rows sent."""
        return [r.event_id for r in self.rows if r.status == "sent"]

    def summary(self) -> str:
        """One line for the log and the command line."""
        where = f" -> {self.archived_to}" if self.archived_to else ""
        if self.error:
            return f"{self.path.name}: file refused: {self.error}{where}"
        text = f"{self.path.name}: {self.sent} sent, {self.rejected} rejected"
        if self.rejected:
            bad = [str(r.row) for r in self.rows if r.status == "rejected"]
            text += f" (rows {', '.join(bad[:20])}{' ...' if len(bad) > 20 else ''})"
        return text + where

    def as_dict(self) -> dict:
        """The counts for the DAG task's XCom."""
        return {"file": self.path.name, "sent": self.sent, "rejected": self.rejected, "error": self.error,
                "archived_to": str(self.archived_to) if self.archived_to else None}


# ---------------------------------------------------------------- files


def read_ledger(archive_dir: Path | str) -> dict[str, str]:
    """event_id -> occurred_at of every event sent from this archive folder's imports (empty when none)."""
    path = Path(archive_dir) / LEDGER_NAME
    if not path.exists():
        return {}
    known: dict[str, str] = {}
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
    """Send every event (key = sanction_id) and check each delivery (netra.kafka_io.await_delivery)."""
    futures = []
    try:
        for event in events:
            value = encode_event(event, sort_keys=False)
            futures.append(producer.send(topic, value=value, key=key_for(event)))
    except Exception:
        producer.flush()  # what was handed over still goes out; the file is retried as a whole
        raise
    try:
        await_delivery(producer, futures, timeout=30)
    except DeliveryError as exc:
        first = exc.failures[0][1]
        raise ImportSendError(f"{len(exc.failures)} of {len(futures)} events were not acknowledged by Kafka "
                              f"(first: {first!r}); the file stays in the inbox and will be retried") from None


def import_file(path: Path | str, producer: Producer, *, archive_dir: Path | str, topic: str = TOPIC,
                agency: str | None = None, region: str | None = None,
                domain_check: DomainCheck | None = None) -> ImportReport:
    """Import one export: send its valid rows, write `<name>.result.csv`, move it into `archive_dir`.

    A file that cannot be read, or lacks a required column, is not imported: it goes to
    `rejected/` beside `archive_dir` (see `rejected_dir_for`) with a result file that says why.
    `agency` is the default for rows without an Instansi; `region`
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
    being copied and are left for the next run; Office lock files (`~$...`) and hidden files are skipped.
    """
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
    as of `today` (the run's business day, not the wall clock). Returns counts for the task's XCom.
    """
    from netra.kafka_io import make_producer

    inbox, archive = inbox_paths(settings)
    inbox.mkdir(parents=True, exist_ok=True)
    say(f"BKPSDM inbox {inbox} (archive {archive})")
    producer = make_producer(settings, principal="bkpsdm", client_id="netra-bkpsdm-import")
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
