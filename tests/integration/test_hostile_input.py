"""Hostile input through the real broker: each bad message lands in the DLQ with its reason,
the good events around it still flow, and every ingress message ends in exactly one place.
"""
from __future__ import annotations

import copy
import json
import os
import uuid

import pytest

from netra.settings import INGRESS_TOPICS
from support import report_filed

TEMPLATE = report_filed()


def filed(tag: str, **payload_changes) -> dict:
    event = copy.deepcopy(TEMPLATE)
    event["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"netra-test/{tag}"))
    event["payload"]["report_id"] = f"HOSTILE/{tag}"
    event["payload"].update(payload_changes)
    return event


def enc(event: dict) -> bytes:
    return json.dumps(event).encode()


def _deep() -> bytes:
    return b'{"event_type": "report.filed", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"


def _with(tag: str, path: str, value) -> bytes:
    event = filed(tag)
    node = event
    *parents, last = path.split(".")
    for p in parents:
        node = node[p]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return enc(event)


#: name -> (topic, message bytes, expected reason prefix)
CASES = {
    "not_json": ("reports.raw", b"this is not json", "message.not_json"),
    "invalid_utf8": ("reports.raw", b'{"event_id": "\xff\xfe\xfd"}', "message.not_utf8"),
    "nul_escaped_in_text": ("reports.raw", enc(filed("nul", summary="before\u0000after")),
                            "text.control_characters:payload.summary"),
    "nul_byte_raw": ("reports.raw", b'{"event_type": "report.filed\x00"}', "message.not_json"),
    "300_kib": ("reports.raw", enc(filed("big", summary="x" * (300 * 1024))), "message.too_large"),
    "10000_deep": ("reports.raw", _deep(), "message.too_deep"),
    "number_1e400": ("reports.raw", enc(filed("inf")).replace(b'"schema_version": 1', b'"schema_version": 1e400'),
                     "schema.type:schema_version"),
    "nan": ("reports.raw", enc(filed("nan")).replace(b'"schema_version": 1', b'"schema_version": NaN'),
            "message.not_json"),
    "wrong_topic": ("sanctions.raw", enc(filed("wrong-topic")), "topic.mismatch:event_type"),
    "unknown_event_type": ("reports.raw", _with("unknown-type", "event_type", "report.deleted"),
                           "event_type.unknown:event_type"),
    "schema_version_2": ("reports.raw", _with("v2", "schema_version", 2), "schema_version.unsupported"),
    "missing_field": ("reports.raw", _with("missing", "payload.category", KeyError),
                      "schema.required:payload.category"),
    "extra_field": ("reports.raw", _with("extra", "payload.colour", "red"), "schema.unknown_field:payload.colour"),
    # a field name with a NUL ends up in the reason code: it must not stall the sink
    "nul_in_field_name": ("reports.raw", _with("nul-key", "payload.bad\u0000key", 1),
                          "schema.unknown_field:payload.bad"),
    "legacy_nip": ("reports.raw", enc(filed("legacy", subjects=[{"nip": "150123456", "name": "Lama",
                                                                 "agency": "Pemkot Surakarta"}])),
                   "nip.legacy_format:payload.subjects.0.nip"),
}
SQL_NAME = "Robert'); DROP TABLE raw.events; --"
CONFLICT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "netra-test/conflict"))


@pytest.fixture(scope="module")
def landed(stack_settings, tmp_path_factory):
    """Send every case between two good events, run the stages once, return what landed."""
    from consumers.loop import StopFlag
    from consumers.run import run_stage
    from netra import settings
    from netra.kafka_io import make_producer
    from netra.warehouse.db import connect
    from support import recreate_topics, truncate_warehouse

    conn = connect(stack_settings)
    truncate_warehouse(conn)
    conn.close()
    old_prefix = os.environ.get("NETRA_GROUP_PREFIX")
    os.environ["NETRA_GROUP_PREFIX"] = f"hostile-{os.getpid()}"
    s = settings.load()
    recreate_topics(s)  # also grants the stage principals this prefix's consumer groups
    producer = make_producer(s, max_request_size=1024 * 1024)
    sent = []  # (case, topic, partition, offset)
    for name, (topic, value, _reason) in CASES.items():
        for tag, payload in ((f"{name}-before", filed(f"{name}-before")), (None, None),
                             (f"{name}-after", filed(f"{name}-after"))):
            v = enc(payload) if payload else value
            md = producer.send(topic if payload is None else "reports.raw", value=v,
                               key=f"HOSTILE/{name}".encode()).get(timeout=30)
            sent.append((tag or name, md.topic, md.partition, md.offset))
    # SQL in a string is just text: accepted and stored intact
    sql = filed("sql", subjects=[{"nip": "198609262015051001", "name": SQL_NAME, "agency": "Pemkot Surakarta"}])
    producer.send("reports.raw", value=enc(sql), key=b"sql").get(timeout=30)
    # the same event_id twice with different bodies: the first wins, the second is a conflict
    first, second = filed("conflict"), filed("conflict", category="V08")
    for body in (first, second):
        body["event_id"] = CONFLICT_ID
        md = producer.send("reports.raw", value=enc(body), key=b"conflict").get(timeout=30)
        sent.append(("conflict-first" if body is first else "conflict-second", md.topic, md.partition, md.offset))
    producer.flush()
    producer.close()
    counters = {n: run_stage(n, s, until_idle=2.0, stop=StopFlag(install=False))
                for n in ("validator", "enricher", "sink")}
    conn = connect(s)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT payload->>'report_id', event_id::text, payload FROM raw.events")
        events = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
        cur.execute("SELECT source_topic, source_partition, source_offset, reasons, event_id, message_value "
                    "FROM raw.rejected_events")
        rejects = {(t, p, o): (reasons, eid, bytes(v)) for t, p, o, reasons, eid, v in cur.fetchall()}
    conn.close()
    if old_prefix is None:
        os.environ.pop("NETRA_GROUP_PREFIX", None)
    else:
        os.environ["NETRA_GROUP_PREFIX"] = old_prefix
    return {"events": events, "rejects": rejects, "sent": sent, "counters": counters, "settings": s}


def _coords(landed, name):
    return next((t, p, o) for case, t, p, o in landed["sent"] if case == name)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_message_is_rejected_with_its_reason_and_neighbours_flow(landed, name):
    reasons, _, _ = landed["rejects"][_coords(landed, name)]
    expected = CASES[name][2]
    assert any(r.startswith(expected) for r in reasons), (name, reasons)
    assert f"HOSTILE/{name}-before" in landed["events"]
    assert f"HOSTILE/{name}-after" in landed["events"]


def test_sql_in_strings_is_stored_as_text(landed):
    _, payload = landed["events"]["HOSTILE/sql"]
    assert payload["subjects"][0]["name"] == SQL_NAME


def test_reused_event_id_with_another_body_is_refused_as_a_conflict(landed):
    event_id, payload = landed["events"]["HOSTILE/conflict"]
    assert event_id == CONFLICT_ID and payload["category"] == TEMPLATE["payload"]["category"], "the first wins"
    reasons, eid, _ = landed["rejects"][_coords(landed, "conflict-second")]
    assert reasons == ["event_id.conflict:event_id"] and eid == CONFLICT_ID
    assert _coords(landed, "conflict-first") not in landed["rejects"]


def test_every_ingress_message_ends_in_exactly_one_place(landed):
    from kafka import KafkaConsumer, TopicPartition

    s = landed["settings"]
    from netra.kafka_auth import client_kwargs

    consumer = KafkaConsumer(**client_kwargs(s, "validator"), enable_auto_commit=False,
                             max_partition_fetch_bytes=2 * 1024 * 1024)
    parts = [TopicPartition(t, p) for t in INGRESS_TOPICS for p in consumer.partitions_for_topic(t)]
    consumer.assign(parts)
    consumer.seek_to_beginning()
    end = consumer.end_offsets(parts)
    messages = []
    while any(consumer.position(tp) < end[tp] for tp in parts):
        for batch in consumer.poll(timeout_ms=1000).values():
            messages.extend(batch)
    consumer.close()
    landed_ids = {eid for eid, _ in landed["events"].values()}
    for m in messages:
        rejected = (m.topic, m.partition, m.offset) in landed["rejects"]
        try:
            event_id = json.loads(m.value).get("event_id")
        except (ValueError, RecursionError, AttributeError):
            event_id = None
        stored = event_id in landed_ids and not rejected
        assert rejected != stored, (m.topic, m.partition, m.offset, m.value[:80])
    assert len(messages) == landed["counters"]["validator"].consumed


def test_reporter_identity_never_reaches_postgres(landed):
    nik = TEMPLATE["payload"]["reporter"]["nik"].encode()
    name = TEMPLATE["payload"]["reporter"]["name"]
    assert all(nik not in value and name.encode() not in value for _, _, value in landed["rejects"].values())
    assert all(nik.decode() not in json.dumps(p) and name not in json.dumps(p) for _, p in landed["events"].values())
