"""The one event codec: how an event becomes message bytes, how bytes become JSON, and the body digest.

Every producer of event bytes (generator, BKPSDM import, validator, enricher, overdue
alerts) encodes with `encode_event`, and every consumer parses with `parse_json`, so
"the same event" is the same bytes everywhere and RFC 8259 means the same thing at each stage.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any


def encode_event(event: dict, *, sort_keys: bool = True) -> bytes:
    """Message bytes: compact UTF-8 JSON (non-ASCII kept as is), keys sorted.

    `sort_keys=False` keeps the keys in the order given, as an upstream system writes them (the
    generator and the BKPSDM import, whose output bytes are pinned and re-sent byte-identical).
    """
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")


def _reject_constant(name: str):
    # json.loads accepts NaN/Infinity by default; JSON (RFC 8259) does not.
    raise ValueError(f"non-JSON number {name}")


def parse_json(text: str | bytes) -> Any:
    """Strict JSON: raises ValueError on anything RFC 8259 refuses (NaN, Infinity), RecursionError when too deep.

    Bytes must be UTF-8 (UnicodeDecodeError, a ValueError, otherwise).
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    return json.loads(text, parse_constant=_reject_constant)


def body_sha256(event: dict) -> str:
    """Digest of an event without its `enrichment`: equal digests = the same event body (a re-send).

    The exact form (sorted keys, ASCII escapes) is what raw.events.body_sha256 holds since v1;
    changing it would make every stored event look like a conflicting re-use of its id.
    """
    body = {k: v for k, v in event.items() if k != "enrichment"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
