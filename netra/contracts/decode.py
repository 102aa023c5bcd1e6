"""Per-message decoding: bytes -> a normalised event dict, or machine-readable reason codes.

Pure and fast (no I/O): size, UTF-8, JSON, event type, schema version, topic/type
match, then the pydantic model (compiled once per type). Reason codes are
`<code>` or `<code>:<field path>`, e.g. `schema.required:payload.report_id`;
the full list with meanings is in docs/reason-codes.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from netra.contracts.codec import parse_json
from netra.contracts.events import EVENT_TYPES, SCHEMA_VERSION

#: pydantic error type -> reason code prefix. Anything unlisted becomes `schema.invalid`.
_PYDANTIC_REASONS = {
    "missing": "schema.required",
    "extra_forbidden": "schema.unknown_field",
    "literal_error": "schema.enum",
    "enum": "schema.enum",
    "string_pattern_mismatch": "schema.pattern",
    "string_too_short": "schema.too_short",
    "string_too_long": "schema.too_long",
    "too_short": "schema.too_short",
    "too_long": "schema.too_long",
    "string_type": "schema.type",
    "int_type": "schema.type",
    "list_type": "schema.type",
    "dict_type": "schema.type",
    "model_type": "schema.type",
    "model_attributes_type": "schema.type",
    "date_format": "schema.date",
    "date_parsing": "schema.date",
    "date_from_datetime_parsing": "schema.date",
    "date_from_datetime_inexact": "schema.date",
    "datetime_format": "schema.datetime",
    "datetime_parsing": "schema.datetime",
    "datetime_from_date_parsing": "schema.datetime",
    "timezone_aware": "schema.datetime_offset",
    "greater_than_equal": "schema.range",
    "less_than_equal": "schema.range",
}


@dataclass
class Decoded:
    """Outcome of decoding one message: `event` when valid, else one or more `reasons`."""

    event: dict | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the event decoded and no reasons were found."""
        return self.event is not None and not self.reasons


def _path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def reasons_from_validation_error(err: ValidationError, strip_tag: bool = False) -> list[str]:
    """Reason codes for a pydantic error; `strip_tag` drops the union tag pydantic puts first in each location."""
    reasons = []
    for e in err.errors(include_url=False):
        etype = e["type"]
        code = etype if "." in etype else _PYDANTIC_REASONS.get(etype, "schema.invalid")
        loc = _path(e["loc"][1:] if strip_tag else e["loc"])
        reasons.append(f"{code}:{loc}" if loc else code)
    # stable order, no repeats
    return list(dict.fromkeys(reasons))


#: Largest message the internal stages accept from events.valid / events.enriched (the broker's limit).
INTERNAL_MAX_BYTES = 1024 * 1024


def _parse(value: bytes | None, max_bytes: int) -> tuple[dict | None, list[str]]:
    """Size, UTF-8, JSON, object, event type, schema version: the checks every stage makes first."""
    if not value:
        return None, ["message.empty"]
    if len(value) > max_bytes:
        return None, ["message.too_large"]
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None, ["message.not_utf8"]
    try:
        raw = parse_json(text)
    except RecursionError:
        return None, ["message.too_deep"]
    except ValueError:
        return None, ["message.not_json"]
    if not isinstance(raw, dict):
        return None, ["message.not_object"]
    event_type = raw.get("event_type")
    if event_type is None:
        return None, ["schema.required:event_type"]
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        return None, ["event_type.unknown:event_type"]
    version = raw.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return None, ["schema_version.unsupported:schema_version"]
    return raw, []


def decode(value: bytes | None, topic: str | None, max_bytes: int = 262144) -> Decoded:
    """Decode and structurally validate one Kafka message value received on `topic`.

    `topic=None` skips the topic/type match (files, tests, and events.valid, which holds every type).
    """
    raw, reasons = _parse(value, max_bytes)
    if raw is None:
        return Decoded(reasons=reasons)
    et = EVENT_TYPES[raw["event_type"]]
    if topic is not None and topic != et.topic:
        reasons.append("topic.mismatch:event_type")
    try:
        model = et.model.model_validate(raw)
    except ValidationError as err:
        return Decoded(reasons=reasons + reasons_from_validation_error(err))
    except RecursionError:
        return Decoded(reasons=["message.too_deep"])
    if reasons:
        return Decoded(reasons=reasons)
    return Decoded(event=model.model_dump(mode="json"))


#: Fields of the reporter that identify a person; the enricher drops them, the sink refuses them.
_REPORTER_IDENTITY = ("nik", "name")


def decode_enriched(value: bytes | None, max_bytes: int = INTERNAL_MAX_BYTES) -> Decoded:
    """Check one message of events.enriched against `EnrichedEvent`; the event is returned as received.

    A reporter NIK or name still in the payload is `reporter.identity_present` (it must never be landed).
    """
    from netra.contracts.enriched import ENRICHED_EVENT

    raw, reasons = _parse(value, max_bytes)
    if raw is None:
        return Decoded(reasons=reasons)
    try:
        ENRICHED_EVENT.validate_python(raw)
    except ValidationError as err:
        found = []
        for e in err.errors(include_url=False):
            loc = e["loc"][1:]  # the first element is the event_type tag of the union
            if (e["type"] == "extra_forbidden" and loc[:2] == ("payload", "reporter")
                    and len(loc) == 3 and loc[2] in _REPORTER_IDENTITY):
                found.append(f"reporter.identity_present:{_path(loc)}")
        return Decoded(reasons=list(dict.fromkeys(found + reasons_from_validation_error(err, strip_tag=True))))
    except RecursionError:
        return Decoded(reasons=["message.too_deep"])
    return Decoded(event=raw)
