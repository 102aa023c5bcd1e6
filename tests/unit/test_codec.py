"""The codec's fast paths give exactly what the standard library's json gives (netra/contracts/codec.py)."""
from __future__ import annotations

import hashlib
import json

import pytest

from netra.contracts.codec import body_sha256, encode_event, parse_json


def stdlib_parse(text: str | bytes):
    """parse_json as it was: json.loads with NaN/Infinity refused."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")

    def refuse(name):
        raise ValueError(name)

    return json.loads(text, parse_constant=refuse)


def stdlib_encode(event, sort_keys: bool = True) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")


def stdlib_body_sha256(event: dict) -> str:
    body = {k: v for k, v in event.items() if k != "enrichment"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def outcome(fn, arg):
    try:
        value = fn(arg)
    except RecursionError:
        return ("RecursionError",)
    except UnicodeDecodeError:
        return ("UnicodeDecodeError",)
    except ValueError:
        return ("ValueError",)
    return ("ok", repr(value), type(value).__name__)


# what jiter, orjson and json disagree about, and what they agree about by the letter of RFC 8259
EDGE_DOCUMENTS = [
    b'{"a":1,"a":2}', b'{"a":{"b":1,"b":[1,{"c":2,"c":3}]}}',  # duplicate keys: the last one wins
    b'{"a":"x\ty"}', b'{"a":"x\ny"}', b'{"a":"\x01"}', b'{"a":"\x1f"}',  # raw control characters
    b'{"a":123456789012345678901234567890}', b'{"a":18446744073709551616}', b'{"a":-9223372036854775809}',
    b'{"a":9007199254740993}', b'{"a":-0}', b'{"a":-0.0}', b'{"a":1E5}', b'{"a":0.1e1}', b'{"a":1.5e+3}',
    b'{"a":1e400}', b'{"a":-1e400}', b'{"a":1e-400}', b'{"a":2.2250738585072011e-308}',
    b'{"a":123456789012345678901234567890.5}', b'{"a":1.7976931348623157e309}',
    b'{"a":"\\ud800"}', b'{"a":"\\udc00\\ud800"}', b'{"a":"\\uD834\\uDD1E"}', b'{"a":"\\u0000"}',
    b'{"a":"\\/"}', b'{"a":"\\x41"}', b'{"a":"\x7f"}', b'{"a":"\xe2\x80\xa8"}', b'{"\xc3\xa9":1}',
    b'\xef\xbb\xbf{"a":1}', b' \t\n\r{"a":1}\r\n ', b'{"a":1}\x0c', b'{"a":1} x', b'{"a":1}\x00', b'{"a":\x001}',
    b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-Infinity}', b'{"a":01}', b'{"a":1.}', b'{"a":.5}', b'{"a":-}',
    b'{"a":[1,2,]}', b'{"a":1,}', b"{'a':1}", b'{"a":true,"b":null,"c":false}', b"", b" ", b"null", b"[]",
    b'{"a":"\xff"}', b'{"a":"\xed\xa0\x80"}', b'{"a":"\xc0\xaf"}', b'{"a":"ok"}\xff',  # not UTF-8
    b"[" * 150 + b"]" * 150, b"[" * 500 + b"]" * 500, b"[" * 5000 + b"]" * 5000,  # past jiter's depth limit
    b'{"a":' * 300 + b"1" + b"}" * 300,
]


@pytest.mark.parametrize("document", EDGE_DOCUMENTS, ids=range(len(EDGE_DOCUMENTS)))
def test_parse_json_answers_as_the_standard_library(document):
    assert outcome(parse_json, document) == outcome(stdlib_parse, document)
    try:
        text = document.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert outcome(parse_json, text) == outcome(stdlib_parse, text)


def _season_messages(tmp_path):
    """Every message a small, deliberately messy season makes on the ingress, valid and enriched topics."""
    from collections import namedtuple

    from consumers.enricher import Enricher
    from consumers.validator import Validator
    from producers.generate import generate_season

    Record = namedtuple("Record", "topic partition offset key value headers")
    season = generate_season(tmp_path, seed=7, scale=0.3, fuzzy_rate=0.3)
    ingress = [Record(topic, 0, i, None, line.rstrip(b"\n"), []) for topic, path in season.files.items()
               for i, line in enumerate(open(path, "rb"))]
    valid = [Record("events.valid", 0, i, m.key, m.value, list(m.headers))
             for i, m in enumerate(Validator().process(ingress).forward)]
    # misspelt agency names on every third event, so the enricher's fuzzy scores (floats) are encoded too
    misspelt = []
    for i, r in enumerate(valid):
        event = stdlib_parse(r.value)
        if i % 3 == 0:
            p = event["payload"]
            for holder, key in [(s, "agency") for s in p.get("subjects", ())] + [(p, "ppk_agency"), (p, "agency")]:
                if key in holder and len(holder[key]) > 6:
                    holder[key] = holder[key][:3] + holder[key][4:]
        misspelt.append(r._replace(value=stdlib_encode(event)))
    enriched = Enricher(secret=b"codec-test").process(misspelt).forward
    return ingress, valid, enriched


def test_stage_bytes_are_the_standard_librarys_bytes(tmp_path):
    ingress, valid, enriched = _season_messages(tmp_path)
    assert len(valid) > 1000 and len(enriched) == len(valid)
    scores = set()
    for message in valid + enriched:
        event = stdlib_parse(message.value)
        assert message.value == stdlib_encode(event)
        assert encode_event(event) == stdlib_encode(event)
        assert body_sha256(event) == stdlib_body_sha256(event)
        enrichment = event.get("enrichment", {})
        for agency in [s["agency"] for s in enrichment.get("subjects", [])] + [
                enrichment[k] for k in ("ppk_agency", "agency") if k in enrichment]:
            scores.add(agency["score"])
    assert len(scores) > 3, "fuzzy agency matches (float scores) were part of the check"
    for record in ingress:
        assert outcome(parse_json, record.value) == outcome(stdlib_parse, record.value)


def test_floats_the_enrichment_writes_encode_as_json_does():
    # agency match scores: round(score, 3) of a 0..1 ratio, and any 0..100 with 3 places
    for k in range(100_001):
        for x in (round(k / 1000, 3), k / 1000, round(k / 100_000, 4)):
            assert encode_event({"s": x}) == stdlib_encode({"s": x})


@pytest.mark.parametrize("value", [
    "".join(chr(c) for c in range(0x800)), "\u2028\u2029\ufeff\U0001f600", "tab\tnew\nline\r\"q\"\\",
    2**63 - 1, 2**63, 2**64 - 1, -(2**63), 2**64, -(2**63) - 1, 10**40,  # beyond 64 bits: json encodes them
    0.0, -0.0, 1e-4, 123.456, 1e15, True, False, None, [], {}, [1, [2, [3, {"z": 1, "a": [None]}]]],
    {"b": 1, "a": {"d": 2, "c": 3}, "é": 4, "e": 5, "Z": 6},
])
def test_encode_event_is_json_dumps_for_json_values(value):
    assert encode_event({"v": value}) == stdlib_encode({"v": value})
    assert encode_event({"v": value}, sort_keys=False) == stdlib_encode({"v": value}, sort_keys=False)


def test_encode_event_refuses_what_json_refuses():
    import datetime

    for bad in (datetime.date(2024, 1, 1), {1, 2}, b"bytes", object()):
        with pytest.raises(TypeError):
            encode_event({"v": bad})
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate: json.dumps makes it, UTF-8 cannot hold it
        encode_event({"v": "\ud800"})


def test_str_subclasses_encode_as_their_text():
    import enum

    class Kind(enum.StrEnum):
        A = "a"

    assert encode_event({"k": Kind.A}) == stdlib_encode({"k": Kind.A}) == b'{"k":"a"}'


@pytest.mark.parametrize("text", ["plain", "Jalan Merdeka No. 5\n", "Zoë Café", "\x7f", "\x00\x1f", "\U0001f600",
                                  "\u2028"])
def test_body_sha256_is_the_stored_digest_form(text):
    event = {"event_id": "x", "payload": {"summary": text, "n": 2**70}, "enrichment": {"ignored": True}}
    assert body_sha256(event) == stdlib_body_sha256(event)
    event["payload"]["n"] = 5
    assert body_sha256(event) == stdlib_body_sha256(event)
