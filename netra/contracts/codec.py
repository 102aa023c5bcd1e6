"""The one event codec: how an event becomes message bytes, how bytes become JSON, and the body digest.

Every producer of event bytes (generator, BKPSDM import, validator, enricher, overdue
alerts) encodes with `encode_event`, and every consumer parses with `parse_json`, so
"the same event" is the same bytes everywhere and RFC 8259 means the same thing at each stage.

Speed without a second meaning (BENCHMARKS.md, issue 11): the standard library's `json` defines
the results, and faster C parsers/encoders are used only where they give exactly those results.

- `parse_json` parses with pydantic-core's `from_json` (jiter, already a dependency). Where it
  parses at all, it gives what `json.loads` gives (big integers, duplicate keys, `1e400`, escapes;
  tests/unit/test_codec.py); what it refuses (lone surrogates, nesting deeper than 200, NaN, invalid
  UTF-8, any syntax error) goes to `json.loads`, which then accepts or refuses it as before.
- `encode_event` with sorted keys (the stages' and alerts' bytes) encodes with orjson, whose compact
  UTF-8 output with sorted keys is byte for byte `json.dumps(ensure_ascii=False, separators=(",", ":"),
  sort_keys=True)` for strings, integers up to 64 bits, booleans, null, lists and dicts, and for
  floats that are 0 or have 1e-4 <= |x| < 1e16. Events carry no other floats: no payload field is a
  float, and the enrichment's only floats are agency match scores between 0 and 100, rounded to 3
  places. Whatever orjson refuses (integers beyond 64 bits, non-str keys, str subclasses, dates) is
  encoded (or refused) by `json` as before. (UUID and plain Enum objects, which `json` refuses, orjson
  encodes; no event holds any: events are JSON values.) `sort_keys=False` (upstream systems' pinned
  bytes) stays on `json`.
- `body_sha256` hashes orjson's bytes when they are pure ASCII without DEL, which is exactly when
  they equal the ASCII-escaped `json.dumps` form the digest is defined on; otherwise `json` makes it.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
from pydantic_core import from_json

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME \
    | orjson.OPT_PASSTHROUGH_DATACLASS


def _json_dumps(event: Any, sort_keys: bool) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")


def encode_event(event: dict, *, sort_keys: bool = True) -> bytes:
    """Message bytes: compact UTF-8 JSON (non-ASCII kept as is), keys sorted.

    `sort_keys=False` keeps the keys in the order given, as an upstream system writes them (the
    generator and the BKPSDM import, whose output bytes are pinned and re-sent byte-identical).
    """
    if sort_keys:
        try:
            # an exact-size copy: orjson's bytes keep the capacity of its write buffer (~4 KiB per ~0.5 KiB event
            # here), and a batch's messages are held until delivered (+16 MiB RSS at 5,000); copying is cheaper
            # than the allocations it saves
            return bytes(memoryview(orjson.dumps(event, option=_SORTED)))
        except orjson.JSONEncodeError:
            pass  # json decides: it encodes what orjson cannot (big integers) or raises as it always did
    return _json_dumps(event, sort_keys)


def _reject_constant(name: str):
    # json.loads accepts NaN/Infinity by default; JSON (RFC 8259) does not.
    raise ValueError(f"non-JSON number {name}")


def _json_loads(text: str | bytes) -> Any:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    return json.loads(text, parse_constant=_reject_constant)


def parse_json(text: str | bytes) -> Any:
    """Strict JSON: raises ValueError on anything RFC 8259 refuses (NaN, Infinity), RecursionError when too deep.

    Bytes must be UTF-8 (UnicodeDecodeError, a ValueError, otherwise).
    """
    try:
        return from_json(text, allow_inf_nan=False, cache_strings="keys")
    except ValueError:
        # jiter refused it: the standard library's answer stands (a value, ValueError or RecursionError)
        return _json_loads(text)


def body_sha256(event: dict) -> str:
    """Digest of an event without its `enrichment`: equal digests = the same event body (a re-send).

    The exact form (sorted keys, ASCII escapes) is what raw.events.body_sha256 holds since v1;
    changing it would make every stored event look like a conflicting re-use of its id.
    """
    body = {k: v for k, v in event.items() if k != "enrichment"}
    try:
        fast = orjson.dumps(body, option=_SORTED)
    except orjson.JSONEncodeError:
        fast = None
    # pure ASCII without DEL: exactly the bytes of json.dumps(ensure_ascii=True), which escapes the rest
    if fast is not None and fast.isascii() and b"\x7f" not in fast:
        return hashlib.sha256(fast).hexdigest()
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
