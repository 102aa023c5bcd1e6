"""Rejects back to their sender: routing by source domain, the scrubbed notice, verified publishing."""
from __future__ import annotations

import json

import pytest

from consumers.dlq import dlq_message
from consumers.validator import Validator
from fakes import FakeProducer
from netra.contracts.notices import RejectNotice
from netra.contracts.rejects import REJECTS_TOPICS, UNATTRIBUTED, rejects_topic, source_domain
from netra.kafka_io import DeliveryError
from netra.rejects import RejectsPublisher, notice_for
from netra.settings import ALL_TOPICS
from support import record, report_filed

FILED = report_filed()


def no_domain_rules(events, reports=None):
    return [[] for _ in events]


def dlq_record(value: bytes, topic: str = "reports.raw", offset: int = 7, reasons=None):
    """What the sink reads from events.dlq for a message the validator refused."""
    if reasons is None:
        [out] = Validator(batch_rules=no_domain_rules).process([record(value, topic=topic, offset=offset)]).rejected
    else:
        out = dlq_message(record(value, topic=topic, offset=offset), reasons, "validator")
    return record(out.value, topic="events.dlq", offset=99, key=out.key, headers=out.headers)


@pytest.mark.parametrize(("source", "domain"), [
    ("bawaslu:33.72", "bawaslu"), ("bkpsdm:33.72", "bkpsdm"), ("kasn", "kasn"), ("bkn", "bkn"), ("bkd:33", "bkd"),
    ("ombudsman:1", UNATTRIBUTED), ("BAWASLU:33", UNATTRIBUTED), (None, UNATTRIBUTED), (42, UNATTRIBUTED),
    ("", UNATTRIBUTED),
])
def test_source_domain_is_the_part_before_the_first_colon_when_known(source, domain):
    assert source_domain(source) == domain


def test_every_rejects_topic_is_created_with_the_others():
    assert set(REJECTS_TOPICS) <= set(ALL_TOPICS)
    assert rejects_topic("bawaslu") == "rejects.bawaslu"
    with pytest.raises(ValueError):
        rejects_topic("evil.topic")


def test_a_notice_goes_to_its_senders_topic_scrubbed_and_explained():
    bad = json.loads(json.dumps(FILED))
    del bad["payload"]["report_id"]
    dlq = dlq_record(json.dumps(bad).encode())
    topic, key, value = notice_for(dlq)
    assert topic == "rejects.bawaslu"
    notice = RejectNotice.model_validate_json(value)  # the record matches its published schema
    assert key == notice.reject_id.encode() == b"reports.raw/0/7/validator"
    assert (notice.event_id, notice.event_type, notice.source) == (FILED["event_id"], "report.filed", "bawaslu:33.72")
    assert notice.reasons == ["schema.required:payload.report_id"]
    [e] = notice.explanations
    assert (e.code, e.path, e.meaning) == ("schema.required", "payload.report_id", "A required field is missing.")
    assert notice.message["payload"]["reporter"] == {"type": "voter"}, "reporter NIK and name removed"
    assert b"3372012609860001" not in value and b"Siti Aminah" not in value
    assert notice.message["payload"]["subjects"][0]["nip"] == "19860926 201505 1 001", "the NIP stays"
    assert notice_for(dlq) == (topic, key, value), "deterministic: a re-publish after a crash is identical"


def test_a_message_without_a_readable_source_goes_to_unattributed_with_an_excerpt():
    topic, _, value = notice_for(dlq_record(b"nik 3372012609860001 is not json"))
    notice = RejectNotice.model_validate_json(value)
    assert topic == "rejects.unattributed" and notice.reasons == ["message.not_json"]
    assert notice.message is None and notice.message_excerpt == "nik 0000000000000000 is not json"


def test_a_large_message_is_carried_as_an_excerpt_only():
    big = json.loads(json.dumps(FILED))
    big["payload"]["summary"] = "x" * 70_000
    _, _, value = notice_for(dlq_record(json.dumps(big).encode(), reasons=["schema.too_long:payload.summary"]))
    notice = RejectNotice.model_validate_json(value)
    assert notice.message is None and len(notice.message_excerpt) == 1000 and notice.message_bytes > 70_000
    assert notice.source_domain == "bawaslu", "routing still reads the source"


def test_the_publisher_waits_for_every_acknowledgement_and_raises_on_a_lost_one():
    records = [dlq_record(json.dumps(FILED).encode(), reasons=["region.unknown:payload.region_code"]),
               dlq_record(b"nope", offset=8)]
    producer = FakeProducer()
    RejectsPublisher(producer)(records)
    assert [t for t, *_ in producer.sent] == ["rejects.bawaslu", "rejects.unattributed"] and producer.flushes == 1
    with pytest.raises(DeliveryError):
        RejectsPublisher(FakeProducer(fail_on={1}))(records)
