"""The stable list of rejection reason codes: code -> (meaning, what the sender should fix).

A rejected event carries one or more reasons `<code>:<field path>` (the path is
omitted where no field is at fault, e.g. `message.not_json`). Codes are part of the
contract: they are only ever added, never renamed or reused. docs/reason-codes.md is
generated from this table (`python -m netra.contracts.reasons`), and a unit test fails
when any code the pipeline can emit is missing here.
"""
from __future__ import annotations

import sys
from pathlib import Path

# (code, stage, meaning, what to fix)
REASONS: tuple[tuple[str, str, str, str], ...] = (
    ("message.empty", "validator", "The message has no value.", "Send one JSON event per message."),
    ("message.too_large", "validator", "The message is larger than 256 KiB.",
     "Shorten free text (summary, reason); one event per message."),
    ("message.not_utf8", "validator", "The bytes are not valid UTF-8.", "Encode the JSON as UTF-8."),
    ("message.not_json", "validator", "The value is not JSON (NaN and Infinity are not JSON either).",
     "Send RFC 8259 JSON."),
    ("message.too_deep", "validator", "The JSON nests too deeply to be an event.", "Send the flat v1 event shape."),
    ("message.not_object", "validator", "The JSON value is not an object.", "Send one JSON object per message."),
    ("event_type.unknown", "validator", "`event_type` is not one of the six v1 types.",
     "Use report.filed, report.decided, recommendation.issued, recommendation.closed, sanction.imposed or "
     "sanction.revoked."),
    ("schema_version.unsupported", "validator", "`schema_version` is newer than this pipeline accepts (1).",
     "Send schema_version 1, or wait until version 2 is announced."),
    ("topic.mismatch", "validator", "The event type belongs on another topic.",
     "Publish report.* to reports.raw, recommendation.* to recommendations.raw, sanction.* to sanctions.raw."),
    ("schema.required", "validator", "A required field is missing.", "Add the field at the path."),
    ("schema.unknown_field", "validator", "A field that the contract does not define (typos are not ignored).",
     "Remove or correct the field at the path."),
    ("schema.type", "validator", "The value has the wrong JSON type (e.g. a string where a number belongs).",
     "Send the type the JSON Schema gives."),
    ("schema.enum", "validator", "The value is not one of the allowed values.",
     "Use a value listed in the JSON Schema."),
    ("schema.pattern", "validator", "The value does not have the required form (NIP: 18 digits; NIK: 16; "
     "region: PP or PP.KK; event_id: UUID; source: [a-z0-9:._-]).", "Format the value as the JSON Schema says."),
    ("schema.too_short", "validator", "A string or list is shorter than allowed (e.g. no subjects).",
     "Fill the field."),
    ("schema.too_long", "validator", "A string or list is longer than allowed.", "Shorten it."),
    ("schema.date", "validator", "Not a `YYYY-MM-DD` date.", "Send dates as YYYY-MM-DD."),
    ("schema.datetime", "validator", "Not an RFC 3339 timestamp.", "Send e.g. 2024-11-21T10:00:00+07:00."),
    ("schema.datetime_offset", "validator", "The timestamp has no UTC offset.", "Add the offset, e.g. +07:00."),
    ("schema.range", "validator", "A number is out of range.", "Send a value in the range the schema gives."),
    ("schema.invalid", "validator", "The value breaks the JSON Schema in another way.",
     "Check the field against the JSON Schema."),
    ("text.control_characters", "validator", "Text contains NUL or other control characters.",
     "Remove control characters (tab and newline are fine)."),
    ("nip.legacy_format", "validator", "An old 9-digit NIP (before Perka BKN 22/2007).",
     "Send the 18-digit NIP from SIASN."),
    ("nip.birth_date_invalid", "validator", "NIP digits 1-8 are not a real birth date between 1940 and today.",
     "Check the NIP against the SK or SIASN."),
    ("nip.cpns_start_invalid", "validator", "NIP digits 9-14 are not a real month, lie in the future, or are "
     "less than 18 years after the birth month.", "Check the NIP against the SK or SIASN."),
    ("nip.sex_invalid", "validator", "NIP digit 15 is not 1 (male) or 2 (female).", "Check the NIP."),
    ("nik.region_invalid", "validator", "Reporter NIK digits 1-4 are not a kabupaten/kota code.",
     "Check the NIK, or send null."),
    ("nik.birth_date_invalid", "validator", "Reporter NIK digits 7-12 are not a real date (DD+40 for women).",
     "Check the NIK, or send null."),
    ("region.unknown", "validator", "`region_code` is not in the Kemendagri reference table.",
     "Use the current Kemendagri code; if it is new, ask for a reference-data update, then replay."),
    ("election.unknown", "validator", "`election_id` is not a known election.",
     "Use e.g. pilkada-2024; new elections are added to the reference data."),
    ("sanction.unknown_code", "validator", "`sanction_code` is not a SIASN sanction type (12 is not a sanction).",
     "Use the SIASN jenisHukumanId (legacy PP 53/2010 codes are accepted)."),
    ("date.out_of_range", "validator", "A business date is before 2000-01-01 or in the future "
     "(effective_to may be in the future).", "Check the date."),
    ("decision.proven_nips_mismatch", "validator", "`proven_nips` must be non-empty exactly when the decision "
     "is proven.", "Send the proven NIPs with a proven decision, none otherwise."),
    ("decision.proven_nip_not_subject", "validator", "A proven NIP is not a subject of the report (and no "
     "subject without a NIP is left to account for it).", "Send a corrected report.filed first, or fix the NIP."),
    ("enrich.failed", "enricher", "The enricher could not process a message from events.valid (a bug).",
     "Nothing: operators investigate, fix and replay."),
    ("row.date_unreadable", "import", "A spreadsheet cell is not a date.",
     "Use DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD or an Excel date cell."),
    ("row.nip_number_cell", "import", "The NIP is stored as a number in the spreadsheet, which loses digits.",
     "Format the NIP column as Text and re-export."),
    ("row.number_unreadable", "import", "A spreadsheet cell that must be a whole number is not one.",
     "Enter the SIASN code as a whole number."),
    ("row.duplicate_sanction_id", "import", "The SK number repeats an earlier row of the same file.",
     "One SK per row."),
    ("sanction.unknown_name", "import", "The sanction is neither a SIASN code nor a SIASN sanction name.",
     "Use the SIASN jenisHukumanId or its name."),
    ("reporter.identity_present", "sink", "A message on events.enriched still carries the reporter's NIK or name "
     "(it did not come through the enricher). It is not landed; the stored copy is scrubbed.",
     "Nothing for senders: only the enricher writes events.enriched. Operators find and stop what wrote it."),
    ("enrichment.subjects_mismatch", "sink", "An enriched report.filed has not one `enrichment.subjects` entry per "
     "payload subject.", "Nothing for senders: operators find what wrote events.enriched, fix it and replay."),
    ("dlq.header_missing", "sink", "A message on events.dlq lacks a `netra.*` header every DLQ record carries "
     "(reasons, stage, source topic/partition/offset, rejected_at).",
     "Nothing for senders: only Netra's stages write events.dlq. Operators find what wrote it."),
    ("dlq.header_invalid", "sink", "A `netra.*` header of a DLQ record is malformed: reasons not a JSON array of "
     "registered codes, an unknown stage, a partition/offset that is not a whole number, a time without offset.",
     "Nothing for senders: operators find what wrote events.dlq."),
    ("event_id.conflict", "sink", "The event_id was already used for an event with a different body; the "
     "first one stays.", "Never re-use an event_id: a correction is a new event with a new id."),
)
CODES = frozenset(code for code, *_ in REASONS)
DOC = Path(__file__).resolve().parents[2] / "docs" / "reason-codes.md"


def render() -> str:
    """Render the reason-code reference document as Markdown."""
    lines = [
        "# Rejection reason codes",
        "",
        "Every refused event lands in `events.dlq` (header `netra.reasons`, a JSON array) and in",
        "`raw.rejected_events.reasons` with one or more reasons `<code>:<field path>`, e.g.",
        "`schema.required:payload.report_id` or `nip.birth_date_invalid:payload.subjects.0.nip`.",
        "Codes are stable: they are only added, never renamed or reused.",
        "",
        "The validator checks ingress messages. The enricher and the sink check their own input topics",
        "against that topic's contract too (events.valid: the v1 event models; events.enriched: the",
        "enriched-event model; events.dlq: the DLQ headers), so the `message.*`, `event_type.*` and",
        "`schema.*` codes can also come from them; `raw.rejected_events.stage` says which stage refused.",
        "What the sink refuses is landed in raw.rejected_events directly (stage `sink`, source = its own",
        "topic, partition and offset), in the same transaction as the batch.",
        "",
        "Generated from `netra/contracts/reasons.py` by `python -m netra.contracts.reasons`.",
        "",
        "| code | stage | meaning | what the sender should fix |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{code}` | {stage} | {meaning} | {fix} |" for code, stage, meaning, fix in REASONS]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the reason-code document, or with --check fail when it is stale."""
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        ok = DOC.exists() and DOC.read_text() == render()
        if not ok:
            print(f"stale: {DOC} (run python -m netra.contracts.reasons)")
        return 0 if ok else 1
    DOC.write_text(render())
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
