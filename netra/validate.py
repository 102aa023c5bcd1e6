"""`netra validate` / `netra validate-bkpsdm`: the pipeline's own rules on a file, offline.

No broker and no database. Each JSONL line goes through the validator stage itself
(`consumers.validator.Validator.process`: decode, contract, the Great Expectations domain
suite once per micro-batch), fed by small in-memory records whose offset is the line
number; so the rules, the reason codes and their order are exactly what the pipeline
would answer. A spreadsheet goes through the BKPSDM importer's row checks
(`producers.bkpsdm_import.build_events`) without sending anything.

Like the command line and the demo, this module wires layers (the stages and producers
sit below it); it adds no rule of its own. What needs state the file may not hold is said
to be skipped: the proven-NIP rule for a decision whose report.filed is not in the file
(it is checked when it is), the sink's event_id conflict check against raw.events, and
the topic/type match when no --topic is given.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, NamedTuple

from netra.contracts.headers import H_REASONS, H_SOURCE_OFFSET
from netra.contracts.reasons import CODES
from netra.rejects import explain
from netra.settings import INGRESS_TOPICS


class _Line(NamedTuple):
    """What the validator reads from Kafka, built from one line of the file."""

    topic: str
    partition: int
    offset: int  # the line number
    key: bytes | None
    value: bytes
    headers: tuple = ()


@dataclass
class Rejected:
    """One refused line: its number, what could be read of the event, and the reasons."""

    line: int
    event_id: str | None
    event_type: str | None
    reasons: list[str]

    def as_dict(self) -> dict:
        """JSON-ready, each reason explained."""
        return {"line": self.line, "event_id": self.event_id, "event_type": self.event_type,
                "reasons": [explain(r) for r in self.reasons]}


@dataclass
class Skipped:
    """A rule that could not be applied offline, why, and to which lines."""

    rule: str
    why: str
    lines: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {"rule": self.rule, "why": self.why, "lines": self.lines}


@dataclass
class FileReport:
    """The result of validating one JSONL file."""

    name: str
    topic: str | None
    lines: int = 0
    valid: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every line is valid."""
        return not self.rejected

    def by_code(self) -> Counter:
        """Rejections counted per reason code."""
        return Counter(r.split(":", 1)[0] for rej in self.rejected for r in rej.reasons)

    def as_dict(self) -> dict:
        """The --json output."""
        return {"file": self.name, "topic": self.topic, "events": self.lines, "valid": self.valid,
                "rejected": len(self.rejected), "ok": self.ok, "reasons": dict(sorted(self.by_code().items())),
                "rejected_events": [r.as_dict() for r in self.rejected],
                "skipped_rules": [s.as_dict() for s in self.skipped]}

    def to_text(self) -> str:
        """One block per rejected line, then the summary and the skipped rules."""
        out = []
        for r in self.rejected:
            out.append(f"{self.name}:{r.line}: event {r.event_id or '-'} ({r.event_type or 'unknown type'}) rejected:")
            for reason in r.reasons:
                e = explain(reason)
                out.append(f"    {reason}  {e['meaning']} Fix: {e['fix']}")
        codes = ", ".join(f"{c} {n}" for c, n in self.by_code().most_common())
        out.append(f"{self.name}: {self.lines} event(s): {self.valid} valid, {len(self.rejected)} rejected"
                   + (f" ({codes})" if codes else ""))
        for s in self.skipped:
            shown = ", ".join(map(str, s.lines[:20])) + (" ..." if len(s.lines) > 20 else "")
            where = f" (lines {shown})" if s.lines else ""
            out.append(f"  skipped: {s.rule}{where}: {s.why}")
        return "\n".join(out)


def _read_lines(stream: IO[bytes]) -> Iterable[tuple[int, bytes]]:
    # as `netra publish` sends them: each line stripped, blank lines skipped
    for number, raw in enumerate(stream, start=1):
        line = raw.strip()
        if line:
            yield number, line


def _topic_of(value: bytes, topic: str | None) -> str:
    """The given --topic, else the event type's own topic (so the topic/type match cannot fail)."""
    if topic is not None:
        return topic
    from netra.contracts.events import EVENT_TYPES

    try:
        event_type = json.loads(value).get("event_type")
    except (ValueError, RecursionError, AttributeError):
        return INGRESS_TOPICS[0]  # decoding will refuse it before any topic matters
    et = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    return et.topic if et is not None else INGRESS_TOPICS[0]


def validate_lines(stream: IO[bytes], *, name: str = "-", topic: str | None = None, max_message_bytes: int = 262144,
                   batch_size: int = 2000, batch_rules=None) -> FileReport:
    """Run the validator stage over JSONL lines; one entry per rejected line, the rules that were skipped."""
    from consumers.validator import Validator
    from netra.contracts.decode import decode

    validator = Validator(max_message_bytes=max_message_bytes)
    if batch_rules is not None:
        validator.batch_rules = batch_rules
    records = [_Line(_topic_of(value, topic), 0, number, None, value) for number, value in _read_lines(stream)]
    report = FileReport(name, topic, lines=len(records))
    # Reports anywhere in the file count as known (the pipeline knows those that arrived before).
    decoded = {r.offset: decode(r.value, None, max_message_bytes) for r in records}
    events = {n: d.event for n, d in decoded.items() if d.ok and d.event is not None}
    for e in events.values():
        validator.reports.remember(e)
    unchecked = [n for n, e in events.items() if e["event_type"] == "report.decided"
                 and e["payload"]["proven_nips"] and e["payload"]["report_id"] not in validator.reports]

    for start in range(0, len(records), batch_size):
        outcome = validator.process(records[start:start + batch_size])
        report.valid += len(outcome.forward)
        for message in outcome.rejected:
            headers = dict(message.headers)
            line = int(headers[H_SOURCE_OFFSET])
            d = decoded[line]
            envelope = d.event or _peek(message.value)
            report.rejected.append(Rejected(line, _str(envelope.get("event_id")), _str(envelope.get("event_type")),
                                            json.loads(headers[H_REASONS])))
    report.rejected.sort(key=lambda r: r.line)

    if unchecked:
        report.skipped.append(Skipped(
            "decision.proven_nip_not_subject",
            "the report.filed of these decisions is not in this file; the validator checks proven NIPs against the "
            "reports it has seen", unchecked))
    report.skipped.append(Skipped(
        "event_id.conflict", "needs raw.events: the sink refuses an event_id already stored with a different body"))
    if topic is None:
        report.skipped.append(Skipped(
            "topic.mismatch", "no --topic given: each event was taken to be on its own type's topic"))
    return report


def _peek(value: bytes) -> dict:
    from netra.rejects import peek_envelope

    return peek_envelope(value)


def _str(value) -> str | None:
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------- BKPSDM spreadsheets


@dataclass
class SheetReport:
    """The BKPSDM importer's per-row result for one file, nothing sent."""

    name: str
    source: str = ""
    rows: list = field(default_factory=list)  # producers.bkpsdm_import.RowResult
    columns: dict = field(default_factory=dict)
    ignored_columns: list = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None

    @property
    def rejected(self) -> list:
        """The rows that would not be sent."""
        return [r for r in self.rows if r.status == "rejected"]

    @property
    def ok(self) -> bool:
        """True when the file is readable and every row would be sent."""
        return self.error is None and not self.rejected

    def as_dict(self) -> dict:
        """The --json output."""
        return {"file": self.name, "source": self.source, "error": self.error, "error_code": self.error_code,
                "rows": len(self.rows), "would_send": len(self.rows) - len(self.rejected),
                "rejected": len(self.rejected), "ok": self.ok, "columns": self.columns,
                "ignored_columns": self.ignored_columns,
                "results": [{"row": r.row, "sanction_id": r.sanction_id,
                             "status": "ok" if r.status != "rejected" else "rejected", "event_id": r.event_id or None,
                             "reasons": [explain(x) for x in r.reasons], "detail": r.detail} for r in self.rows]}

    def to_text(self) -> str:
        """The per-row table and a summary."""
        if self.error:
            return f"{self.name}: file refused ({self.error_code}): {self.error}"
        from netra.text import render_table

        out = [f"{self.name}: source {self.source}; columns: "
               + ", ".join(f"{k}={v!r}" for k, v in self.columns.items())
               + (f"; ignored: {', '.join(self.ignored_columns)}" if self.ignored_columns else "")]
        out.append(render_table(("row", "sanction_id", "status", "reasons", "detail"),
                                [(r.row, r.sanction_id, "ok" if r.status != "rejected" else "rejected",
                                  " ".join(r.reasons), r.detail) for r in self.rows]))
        unknown = sorted({x.split(":", 1)[0] for r in self.rows for x in r.reasons} - CODES)
        out.append(f"{self.name}: {len(self.rows)} row(s): {len(self.rows) - len(self.rejected)} would be sent, "
                   f"{len(self.rejected)} rejected (nothing was sent)"
                   + (f"; unregistered codes: {', '.join(unknown)}" if unknown else ""))
        return "\n".join(out)


def validate_sheet(path: Path, *, today: date, agency: str | None = None, region: str | None = None,
                   domain_check: bool = True) -> SheetReport:
    """The BKPSDM importer's per-row result for one export, without publishing or archiving it."""
    from producers import bkpsdm_import as imp

    report = SheetReport(path.name)
    region = region or imp.region_from_filename(path)
    default_agency = agency or (imp.default_agency_for_region(region) if region else None)
    try:
        table = imp.read_table(path)
        candidates, report.columns, report.ignored_columns = imp.build_events(
            table, source_region=region, default_agency=default_agency, occurred_at=imp.occurred_at_for(path),
            domain_check=imp.gx_domain_check(today) if domain_check else None)
    except imp.ImportFileError as exc:
        report.error, report.error_code = str(exc), exc.code
        return report
    report.rows = [c.result for c in candidates]
    sources = {c.event["source"] for c in candidates if c.event is not None}
    report.source = ", ".join(sorted(sources)) or imp.source_for(region, default_agency)
    return report
