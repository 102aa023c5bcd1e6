"""Rejects back to their sender on the real broker and Postgres: each source domain sees only its own."""
from __future__ import annotations

import copy
import json
import time
import uuid

from netra import dlq
from netra.contracts.notices import RejectNotice
from netra.kafka_io import make_producer
from support import report_filed

FILED = report_filed()


def sanction(**payload) -> dict:
    base = {"sanction_id": "800/1/BKPSDM/XII/2024", "nip": "198609262015051001", "name": "Budi Santoso",
            "agency": "Pemerintah Kota Surakarta", "sanction_code": 2, "decree_date": "2024-12-05",
            "effective_from": "2024-12-05"}
    return {"event_id": str(uuid.uuid4()), "event_type": "sanction.imposed", "schema_version": 1,
            "source": "bkpsdm:33.72", "occurred_at": "2024-12-05T10:00:00+07:00", "payload": {**base, **payload}}


def report(**payload) -> dict:
    e = copy.deepcopy(FILED)
    e["event_id"] = str(uuid.uuid4())
    e["payload"].update(payload)
    return e


def read_all(settings, topic: str) -> list:
    """Every record of a topic, from the beginning to its end offsets."""
    from kafka import KafkaConsumer, TopicPartition

    from netra.kafka_auth import ADMIN
    from netra.kafka_io import client_config

    consumer = KafkaConsumer(**client_config(settings, ADMIN), enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        out, deadline = [], time.monotonic() + 30
        while any(consumer.position(tp) < end[tp] for tp in parts) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                out.extend(batch)
        return out
    finally:
        consumer.close()


def test_each_source_domain_reads_only_its_own_rejects_with_the_right_reasons(pipeline, db, run_stages):
    bawaslu_region = report(report_id="RJ/1", region_code="99.99")
    bawaslu_missing = report(report_id="RJ/2")
    del bawaslu_missing["payload"]["kind"]
    bawaslu_good = report(report_id="RJ/3")
    bkpsdm_code = sanction(sanction_id="800/2/BKPSDM/XII/2024", sanction_code=99)
    bkpsdm_good = sanction(sanction_id="800/3/BKPSDM/XII/2024")
    producer = make_producer(pipeline)
    for topic, e in [("reports.raw", bawaslu_region), ("reports.raw", bawaslu_missing), ("reports.raw", bawaslu_good),
                     ("sanctions.raw", bkpsdm_code), ("sanctions.raw", bkpsdm_good)]:
        producer.send(topic, value=json.dumps(e).encode(), key=b"k")
    producer.send("sanctions.raw", value=b"\xff not even utf-8", key=b"k")
    producer.flush()
    producer.close()

    run_stages(pipeline)

    def notices(topic):
        records = read_all(pipeline, topic)
        assert all(r.key.decode() == json.loads(r.value)["reject_id"] for r in records)
        return {RejectNotice.model_validate_json(r.value).event_id: RejectNotice.model_validate_json(r.value)
                for r in records}

    bawaslu, bkpsdm = notices("rejects.bawaslu"), notices("rejects.bkpsdm")
    unattributed = notices("rejects.unattributed")
    assert {k: n.reasons for k, n in bawaslu.items()} == {
        bawaslu_region["event_id"]: ["region.unknown:payload.region_code"],
        bawaslu_missing["event_id"]: ["schema.required:payload.kind"],
    }
    assert {k: n.reasons for k, n in bkpsdm.items()} == {
        bkpsdm_code["event_id"]: ["sanction.unknown_code:payload.sanction_code"]}
    [garbage] = unattributed.values()
    assert garbage.reasons == ["message.not_utf8"] and garbage.source_topic == "sanctions.raw"
    for topic in ("rejects.kasn", "rejects.bkn", "rejects.bkd"):
        assert read_all(pipeline, topic) == []
    # scrubbed like raw.rejected_events: the reporter's NIK and name never leave
    for n in bawaslu.values():
        assert n.message["payload"]["reporter"] == {"type": "voter"}
        assert "3372012609860001" not in n.model_dump_json() and "Siti Aminah" not in n.model_dump_json()
    # what the sender reads is what the operators see
    assert sorted(r["event_id"] for r in dlq.list_rejects(db, source="bawaslu")) == sorted(bawaslu)
    assert [r["event_id"] for r in dlq.list_rejects(db, source="bkpsdm:33.72")] == [bkpsdm_code["event_id"]]
    assert [r["reasons"] for r in dlq.list_rejects(db, source="unattributed")] == [["message.not_utf8"]]
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw.events")
        assert cur.fetchone()[0] == 2, "the good events of both sources landed"
