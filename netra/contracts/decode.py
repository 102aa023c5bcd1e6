"""Per-message decoding: bytes -> a normalised event dict, or machine-readable reason codes.

Pure and fast (no I/O): size, UTF-8, JSON, event type, schema version, topic/type
match, then the pydantic model (compiled once per type). Reason codes are
`<code>` or `<code>:<field path>`, e.g. `schema.required:payload.report_id`;
the full list with meanings is in docs/reason-codes.md.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

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
        return self.event is not None and not self.reasons


def _reject_constant(name: str):
    # json.loads accepts NaN/Infinity by default; JSON (RFC 8259) does not.
    raise ValueError(f"non-JSON number {name}")


def _path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def reasons_from_validation_error(err: ValidationError) -> list[str]:
    reasons = []
    for e in err.errors(include_url=False):
        etype = e["type"]
        code = etype if "." in etype else _PYDANTIC_REASONS.get(etype, "schema.invalid")
        loc = _path(e["loc"])
        reasons.append(f"{code}:{loc}" if loc else code)
    # stable order, no repeats
    return list(dict.fromkeys(reasons))


def decode(value: bytes | None, topic: str | None, max_bytes: int = 262144) -> Decoded:
    """Decode and structurally validate one Kafka message value received on `topic`.

    `topic=None` skips the topic/type match (files, tests).
    """
    if not value:
        return Decoded(reasons=["message.empty"])
    if len(value) > max_bytes:
        return Decoded(reasons=["message.too_large"])
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return Decoded(reasons=["message.not_utf8"])
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        return Decoded(reasons=["message.too_deep"])
    except ValueError:
        return Decoded(reasons=["message.not_json"])
    if not isinstance(raw, dict):
        return Decoded(reasons=["message.not_object"])

    event_type = raw.get("event_type")
    if event_type is None:
        return Decoded(reasons=["schema.required:event_type"])
    et = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    if et is None:
        return Decoded(reasons=["event_type.unknown:event_type"])
    version = raw.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return Decoded(reasons=["schema_version.unsupported:schema_version"])
    reasons: list[str] = []
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

