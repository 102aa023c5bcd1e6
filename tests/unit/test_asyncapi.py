"""The AsyncAPI 3.0 document: generated from the contract, committed, structurally valid, and its HTML page.

No AsyncAPI 3 validator on PyPI works offline (pydantic-asyncapi 0.3.2 accepts unknown keys and
misspells a Kafka binding field; asyncapi-python-parser-jonaslagoni 0.5.0 does not ship the
schema files it loads), so the structure the 3.0.0 specification requires is checked here:
required fields, every `$ref` resolving, operations' messages belonging to their channel,
component names, Kafka bindings; the payload schemas are checked as JSON Schema (draft 7, the
base of AsyncAPI's schema format) and real events and notices are validated against them.
"""
from __future__ import annotations

import copy
import json
import re

import jsonschema
import pytest
import yaml

from consumers.validator import Validator
from netra import asyncapi
from netra.contracts.events import EVENT_TYPES
from netra.contracts.headers import H_REASONS, H_SOURCE_OFFSET
from netra.rejects import notice_for
from netra.settings import ALL_TOPICS
from support import record, report_filed

FILED = report_filed()
COMPONENT_KEY = re.compile(r"^[\w\d.\-_]+$")  # AsyncAPI 3.0.0: keys of components maps


@pytest.fixture(scope="module")
def doc() -> dict:
    return yaml.safe_load(asyncapi.YAML_PATH.read_text(encoding="utf-8"))


def _pointer(doc: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_the_committed_document_and_page_are_up_to_date():
    assert asyncapi.main(["--check"]) == 0, "run python -m netra.asyncapi and commit the files"


def test_the_yaml_is_the_generated_document(doc):
    assert doc == json.loads(json.dumps(asyncapi.document()))


def test_required_structure_of_asyncapi_3(doc):
    assert doc["asyncapi"] == "3.0.0"
    assert isinstance(doc["info"]["title"], str) and isinstance(doc["info"]["version"], str)
    assert set(doc) <= {"asyncapi", "id", "info", "servers", "defaultContentType", "channels", "operations",
                        "components"}
    for server in doc["servers"].values():
        assert {"host", "protocol"} <= set(server) and server["protocol"] == "kafka"
    for section in doc["components"].values():
        assert all(COMPONENT_KEY.match(k) for k in section), list(section)
    refs = list(_refs(doc))
    assert len(refs) > 50
    for ref in refs:
        _pointer(doc, ref)


def test_channels_are_every_topic_with_key_and_partitioning(doc):
    assert sorted(c["address"] for c in doc["channels"].values()) == sorted(ALL_TOPICS)
    for c in doc["channels"].values():
        kafka = c["bindings"]["kafka"]
        assert kafka["topic"] == c["address"] and kafka["partitions"] >= 1 and kafka["bindingVersion"] == "0.5.0"
        assert c["messages"] and all(set(m) == {"$ref"} for m in c["messages"].values())
    by_address = {c["address"]: c for c in doc["channels"].values()}
    for name, et in EVENT_TYPES.items():
        [mid] = [m for m, msg in doc["components"]["messages"].items() if msg["name"] == name]
        assert mid in by_address[et.topic]["messages"]
        assert doc["components"]["messages"][mid]["bindings"]["kafka"]["key"]["description"] == \
            f"payload.{et.key_field}"
    dlq = _pointer(doc, by_address["events.dlq"]["messages"]["deadLetter"]["$ref"])
    assert {H_REASONS, H_SOURCE_OFFSET} <= set(dlq["headers"]["required"])
    assert "recommendationOverdue" in by_address["alerts.overdue"]["messages"]
    for domain in ("bawaslu", "kasn", "bkn", "bkpsdm", "unattributed"):
        assert "rejectNotice" in by_address[f"rejects.{domain}"]["messages"]


def test_operations_send_or_receive_messages_of_their_own_channel(doc):
    for name, op in doc["operations"].items():
        assert op["action"] in ("send", "receive"), name
        channel_ref = op["channel"]["$ref"]
        _pointer(doc, channel_ref)
        for m in op["messages"]:
            assert m["$ref"].startswith(channel_ref + "/messages/"), (name, m)
    receiving = {_pointer(doc, op["channel"]["$ref"])["address"] for op in doc["operations"].values()
                 if op["action"] == "receive"}
    assert receiving == {"reports.raw", "recommendations.raw", "sanctions.raw"}


def _validator(doc: dict, schema_name: str):
    """A JSON Schema validator for one component schema, its refs resolved inside the document."""
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft7Validator.check_schema(schema)
    root = {**copy.deepcopy(doc), "$ref": f"#/components/schemas/{schema_name}"}
    return jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker())


def test_the_payload_schemas_accept_a_valid_event_and_refuse_a_typo(doc):
    v = _validator(doc, "report.filed.v1")
    assert list(v.iter_errors(FILED)) == []
    typo = copy.deepcopy(FILED)
    typo["payload"]["subjects"][0]["nipp"] = typo["payload"]["subjects"][0].pop("nip")
    assert {e.validator for e in v.iter_errors(typo)} == {"additionalProperties", "required"}


def test_a_reject_notice_matches_its_documented_schema(doc):
    [dlq] = Validator(batch_rules=lambda events, reports: [[] for _ in events]).process(
        [record(b"{not json", offset=3)]).rejected
    _, _, value = notice_for(record(dlq.value, topic="events.dlq", headers=dlq.headers))
    assert list(_validator(doc, "reject.notice.v1").iter_errors(json.loads(value))) == []


def test_the_html_page_is_self_contained_and_shows_every_topic_and_message(doc):
    page = asyncapi.HTML_PATH.read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    for c in doc["channels"].values():
        assert f"<code>{c['address']}</code>" in page
    for m in doc["components"]["messages"].values():
        assert m["title"].replace("`", "") in page.replace("`", "")
    assert "pattern <code>^[0-9]{16}$</code>" in page, "field rules are readable (the reporter NIK)"
