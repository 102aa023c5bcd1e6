"""`netra publish`: keys from the contract, refused lines named by number, nothing half-sent silently."""
from __future__ import annotations

import json

from fakes import FakeProducer
from producers.publish import message_key, publish_lines

EVENT = {"event_type": "sanction.imposed", "payload": {"sanction_id": "800/123/2021"}}


def lines(*items):
    return [(json.dumps(i) if isinstance(i, dict) else i).encode() + b"\n" for i in items]


def test_each_event_is_sent_with_its_business_key():
    producer = FakeProducer()
    report = publish_lines(producer, "sanctions.raw", lines(EVENT, EVENT))
    assert report.sent == 2 and report.refused == [] and producer.flushes == 1
    assert producer.sent[0][:2] == ("sanctions.raw", b"800/123/2021")


def test_a_line_that_is_not_json_stops_the_file_and_says_where():
    producer = FakeProducer()
    report = publish_lines(producer, "sanctions.raw", lines(EVENT, "{oops", EVENT))
    assert report.sent == 1 and report.stopped_at == 2
    assert report.refused[0][0] == 2
    assert "line 2" in report.summary() and "NOT sent" in report.summary()
    assert producer.flushes == 1, "what was sent before the bad line is flushed"


def test_skip_invalid_sends_the_rest_and_reports_each_bad_line():
    producer = FakeProducer()
    report = publish_lines(producer, "sanctions.raw", lines("[1]", EVENT, "nope", EVENT), skip_invalid=True)
    assert report.sent == 2 and [n for n, _ in report.refused] == [1, 3] and report.stopped_at is None


def test_blank_lines_are_ignored_and_unknown_types_have_no_key():
    assert publish_lines(FakeProducer(), "reports.raw", [b"\n", b"  \n"]).sent == 0
    assert message_key({"event_type": "nope", "payload": {}}) is None
    assert message_key({"event_type": "sanction.imposed", "payload": "x"}) is None


def test_lines_the_broker_did_not_acknowledge_are_named():
    producer = FakeProducer(fail_on={1})
    report = publish_lines(producer, "sanctions.raw", lines(EVENT, EVENT, EVENT))
    assert report.sent == 2 and [n for n, _ in report.undelivered] == [2]
    assert "NOT delivered" in report.summary() and "line 2" in report.summary()


def test_only_ingress_topics_can_be_published_to():
    import pytest

    from producers.publish import PublishError

    for topic in ("events.enriched", "events.dlq", "events.valid", "alerts.overdue", "reports.raww"):
        producer = FakeProducer()
        with pytest.raises(PublishError, match="ingress topics only: reports.raw, recommendations.raw, sanctions.raw"):
            publish_lines(producer, topic, lines(EVENT))
        assert producer.sent == []
