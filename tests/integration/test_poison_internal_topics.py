"""Garbage written straight to each internal topic, between good events, through the real broker and Postgres:
the good events land, each bad message is in raw.rejected_events with a reason, and no reporter NIK or
name reaches raw.events.
"""
from __future__ import annotations

import copy
import uuid

from netra.contracts.codec import encode_event
from netra.contracts.headers import H_REASONS
from netra.kafka_io import make_producer
from support import report_filed

TEMPLATE = report_filed()
NIK = TEMPLATE["payload"]["reporter"]["nik"]
NAME = TEMPLATE["payload"]["reporter"]["name"]


def filed(tag: str) -> dict:
    event = copy.deepcopy(TEMPLATE)
    event["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"netra-test/poison/{tag}"))
    event["payload"]["report_id"] = f"POISON/{tag}"
    return event


def enriched(tag: str) -> dict:
    from netra.enrichment import enrich

    return enrich(filed(tag), b"unused")


def test_garbage_on_internal_topics_is_refused_and_the_good_events_land(pipeline, db, run_stages):
    wrong_model = filed("valid-wrong-model")
    wrong_model["payload"]["colour"] = "red"
    with_nik = enriched("enriched-nik")
    with_nik["payload"]["reporter"] = {"type": "voter", "nik": NIK, "name": NAME}
    no_enrichment = filed("enriched-no-enrichment")
    garbage = {  # topic -> [(tag, bytes, headers, expected reason)]
        "events.valid": [("valid-not-json", b"{nope", [], "message.not_json"),
                         ("valid-wrong-model", encode_event(wrong_model), [], "schema.unknown_field:payload.colour")],
        "events.enriched": [
            ("enriched-not-json", b"\xff\xfe", [], "message.not_utf8"),
            ("enriched-no-enrichment", encode_event(no_enrichment), [], "schema.required:enrichment"),
            ("enriched-nik", encode_event(with_nik), [], "reporter.identity_present:payload.reporter.nik")],
        "events.dlq": [
            ("dlq-no-headers", encode_event(filed("dlq-no-headers")), [], "dlq.header_missing:netra.reasons"),
            ("dlq-bad-reasons", b"whatever", [(H_REASONS, b"[1, 2]")], "dlq.header_invalid:netra.reasons")],
    }
    producer = make_producer(pipeline)
    good_ids = []
    for topic, cases in garbage.items():
        for tag, value, headers, _ in cases:
            before, after = filed(f"{tag}-before"), filed(f"{tag}-after")
            for event in (before, after):
                good_ids.append(event["event_id"])
            producer.send("reports.raw", value=encode_event(before), key=b"k").get(timeout=30)
            producer.send(topic, value=value, key=b"k", headers=headers).get(timeout=30)
            producer.send("reports.raw", value=encode_event(after), key=b"k").get(timeout=30)
    producer.close()

    counters = run_stages(pipeline)
    assert counters["sink"].consumed > 0

    with db, db.cursor() as cur:
        cur.execute("SELECT event_id::text FROM raw.events")
        landed = {r[0] for r in cur.fetchall()}
        cur.execute("SELECT source_topic, stage, reasons, message_value FROM raw.rejected_events")
        rejects = cur.fetchall()
        cur.execute("SELECT count(*) FROM raw.events WHERE payload::text LIKE %s OR payload::text LIKE %s "
                    "OR enrichment::text LIKE %s", (f"%{NIK}%", f"%{NAME}%", f"%{NAME}%"))
        identity_in_events = cur.fetchone()[0]
    assert set(good_ids) <= landed, "every good event around the garbage landed"
    assert landed == set(good_ids), "nothing else landed"
    expected = [(topic, reason) for topic, cases in garbage.items() for *_, reason in cases]
    found = [(topic, reason) for topic, reason in expected
             if any(t == topic and any(r == reason or r.startswith(reason) for r in reasons)
                    for t, _, reasons, _ in rejects)]
    assert found == expected, rejects
    assert len(rejects) == len(expected), "each bad message is stored once"
    assert {stage for _, stage, _, _ in rejects} == {"enricher", "sink"}
    assert identity_in_events == 0
    assert not any(NIK.encode() in bytes(value) or NAME.encode() in bytes(value) for *_, value in rejects)
