"""Contract v1: per-message decoding, reason codes, keys, and the committed JSON Schemas."""
from __future__ import annotations

import copy
import json

import pytest
import yaml

from netra import asyncapi
from netra.contracts import schemas
from netra.contracts.decode import decode
from netra.contracts.events import EVENT_TYPES, key_for
from support import report_filed

FILED = report_filed()


def enc(obj) -> bytes:
    return json.dumps(obj).encode()


def with_(path: str, value, base=FILED):
    event = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = event
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return event


def test_valid_event_is_normalised():
    d = decode(enc(FILED), "reports.raw")
    assert d.ok and d.reasons == []
    assert d.event["payload"]["subjects"][0]["nip"] == "198609262015051001"  # spaces removed
    assert key_for(d.event) == b"001/Reg/LP/PW/Kota/33.72/XI/2020"


@pytest.mark.parametrize(
    ("value", "topic", "reason"),
    [
        (b"", "reports.raw", "message.empty"),
        (b"{not json", "reports.raw", "message.not_json"),
        (b"\xff\xfe{}", "reports.raw", "message.not_utf8"),
        (b"[1, 2]", "reports.raw", "message.not_object"),
        (b'{"a": NaN}', "reports.raw", "message.not_json"),
        (b"[" * 100_000 + b"]" * 100_000, "reports.raw", None),  # too deep or too large: refused either way
        (enc(FILED), "sanctions.raw", "topic.mismatch:event_type"),
        (enc(with_("event_type", "report.deleted")), "reports.raw", "event_type.unknown:event_type"),
        (enc(with_("event_type", KeyError)), "reports.raw", "schema.required:event_type"),
        (enc(with_("schema_version", 2)), "reports.raw", "schema_version.unsupported:schema_version"),
        (enc(with_("schema_version", "1")), "reports.raw", "schema.type:schema_version"),
        (enc(with_("payload.report_id", KeyError)), "reports.raw", "schema.required:payload.report_id"),
        (enc(with_("payload.colour", "red")), "reports.raw", "schema.unknown_field:payload.colour"),
        (enc(with_("payload.category", "V09")), "reports.raw", "schema.enum:payload.category"),
        (enc(with_("payload.filed_on", "21-11-2020")), "reports.raw", "schema.date:payload.filed_on"),
        (enc(with_("payload.filed_on", 1605916800)), "reports.raw", "schema.date:payload.filed_on"),
        (enc(with_("occurred_at", "2020-11-21T10:00:00")), "reports.raw", "schema.datetime_offset:occurred_at"),
        (enc(with_("payload.subjects.0.nip", "12345678")), "reports.raw", "schema.pattern:payload.subjects.0.nip"),
        (enc(with_("payload.subjects.0.nip", "150 123 456")), "reports.raw",
         "nip.legacy_format:payload.subjects.0.nip"),
        (enc(with_("payload.subjects.0.name", "Budi\x00")), "reports.raw",
         "text.control_characters:payload.subjects.0.name"),
        (enc(with_("payload.summary", "a\x1bb")), "reports.raw", "text.control_characters:payload.summary"),
        (b'{"event_type": "report.filed", "schema_version": 1e400}', "reports.raw", "schema.type:schema_version"),
        (enc(with_("payload.region_code", "3372")), "reports.raw", "schema.pattern:payload.region_code"),
        (enc(with_("payload.subjects", [])), "reports.raw", "schema.too_short:payload.subjects"),
        (enc(with_("source", "Bawaslu Jateng")), "reports.raw", "schema.pattern:source"),
    ],
)
def test_refusals_have_specific_reason_codes(value, topic, reason):
    d = decode(value, topic, max_bytes=262144)
    assert not d.ok and d.event is None
    if reason is None:
        assert d.reasons and d.reasons[0].startswith("message.")
    else:
        assert reason in d.reasons, d.reasons


def test_oversized_message_is_refused_before_parsing():
    big = enc(with_("payload.summary", "x" * 300_000))
    assert decode(big, "reports.raw").reasons == ["message.too_large"]


def test_proven_decision_needs_nips_and_only_then():
    decided = {"event_id": "0b6f0000-0000-4000-8000-000000000002", "event_type": "report.decided",
               "schema_version": 1, "source": "bawaslu:33.72", "occurred_at": "2020-11-25T10:00:00+07:00",
               "payload": {"report_id": "R1", "decision": "proven", "decided_on": "2020-11-25", "proven_nips": []}}
    assert decode(enc(decided), "reports.raw").reasons == ["decision.proven_nips_mismatch:payload"]
    decided["payload"].update(decision="not_proven", proven_nips=["198609262015051001"])
    assert decode(enc(decided), "reports.raw").reasons == ["decision.proven_nips_mismatch:payload"]
    decided["payload"]["proven_nips"] = []
    assert decode(enc(decided), "reports.raw").ok


def test_every_event_type_has_a_topic_and_key_field():
    assert {et.topic for et in EVENT_TYPES.values()} == {"reports.raw", "recommendations.raw", "sanctions.raw"}
    for et in EVENT_TYPES.values():
        assert et.key_field in et.model.model_fields["payload"].annotation.model_fields


def test_committed_json_schemas_match_the_models():
    assert schemas.main(["--check"]) == 0, "run `make schemas` and commit netra/contracts/schemas/"


def test_json_schemas_forbid_unknown_fields_everywhere():
    for path in schemas.SCHEMA_DIR.glob("*.json"):
        schema = json.loads(path.read_text())
        objects = [schema, *schema.get("$defs", {}).values()]
        assert all(o.get("additionalProperties") is False for o in objects if o.get("type") == "object"), path


def undocumented(schema, where: str):
    """Every property below `schema` (a JSON Schema, or a document holding some) without a description."""
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from undocumented(item, f"{where}/{i}")
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for name, prop in value.items():
                    if not (isinstance(prop, dict) and str(prop.get("description", "")).strip()):
                        yield f"{where}/properties/{name}"
                    yield from undocumented(prop, f"{where}/properties/{name}")
            else:
                yield from undocumented(value, f"{where}/{key}")


def test_every_published_field_is_described():
    """The schemas and the AsyncAPI document are what other teams read: no field without its meaning."""
    published = {p.name: json.loads(p.read_text()) for p in sorted(schemas.SCHEMA_DIR.glob("*.json"))}
    published["asyncapi.yaml"] = yaml.safe_load(asyncapi.YAML_PATH.read_text(encoding="utf-8"))
    assert len(published) == len(schemas.rendered()) + 1
    missing = [m for name, doc in published.items() for m in undocumented(doc, name)]
    assert not missing, "add Field(description=...) to: " + ", ".join(missing)


def test_the_description_check_sees_nested_and_missing_ones():
    schema = {"properties": {"a": {"description": "x", "properties": {"b": {"type": "string"}}},
                             "properties": {"description": "a field named properties"}},
              "$defs": {"D": {"properties": {"c": {"description": " "}}}}}
    assert list(undocumented(schema, "s")) == ["s/properties/a/properties/b", "s/$defs/D/properties/c"]
