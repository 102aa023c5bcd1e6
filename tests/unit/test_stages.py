"""The shared loop and the pure stages, with fake clients (no broker, no database)."""
from __future__ import annotations

import json

from consumers.enricher import Enricher
from consumers.loop import KafkaEmitter, Outcome, StopFlag, run
from consumers.sink import Sink, event_row, reject_row
from consumers.validator import Validator
from fakes import FakeConsumer, FakeProducer
from support import REPORT_FILED, record

FILED = REPORT_FILED.read_bytes()


def no_domain_rules(events, reports=None):
    return [[] for _ in events]


def test_validator_splits_a_batch_into_valid_and_dlq_with_reasons():
    stage = Validator(batch_rules=no_domain_rules)
    out = stage.process([record(FILED, offset=0), record(b"nope", offset=1),
                         record(FILED, topic="sanctions.raw", offset=2)])
    assert [m.topic for m in out.forward] == ["events.valid"]
    assert json.loads(out.forward[0].value)["payload"]["subjects"][0]["nip"] == "198609262015051001"
    assert out.forward[0].key == b"001/Reg/LP/PW/Kota/33.72/XI/2020"
    dlq = {dict(m.headers)["netra.source_offset"]: m for m in out.rejected}
    assert set(dlq) == {b"1", b"2"}
    assert json.loads(dict(dlq[b"1"].headers)["netra.reasons"]) == ["message.not_json"]
    assert json.loads(dict(dlq[b"2"].headers)["netra.reasons"]) == ["topic.mismatch:event_type"]
    assert dlq[b"1"].value == b"nope", "the DLQ keeps the original bytes"


def test_validator_calls_the_batch_rules_once_per_batch_and_applies_their_reasons():
    calls = []

    def rules(events, reports):
        calls.append(len(events))
        return [["region.unknown:payload.region_code"]] + [[] for _ in events[1:]]

    out = Validator(batch_rules=rules).process([record(FILED, offset=i) for i in range(5)])
    assert calls == [5]
    assert len(out.forward) == 4 and len(out.rejected) == 1
    assert json.loads(dict(out.rejected[0].headers)["netra.reasons"]) == ["region.unknown:payload.region_code"]


def test_loop_commits_only_after_the_emitter_flushed_and_exits_when_idle():
    consumer = FakeConsumer([[record(FILED, offset=0)], [record(b"x", offset=1)]])
    producer = FakeProducer()
    counters = run(consumer, Validator(batch_rules=no_domain_rules), KafkaEmitter(producer), batch_wait_ms=1,
                   batch_size=10, until_idle=0.05, stop=StopFlag(install=False))
    assert counters.consumed == 2 and counters.forwarded == 1 and counters.rejected == 1
    assert consumer.commits == 2 and producer.flushes == 2
    assert {t for t, *_ in producer.sent} == {"events.valid", "events.dlq"}


def test_loop_does_not_commit_when_the_emitter_fails():
    consumer = FakeConsumer([[record(FILED)]])

    def failing_emit(records, outcome: Outcome):
        raise ConnectionError("broker gone")

    try:
        run(consumer, Validator(batch_rules=no_domain_rules), failing_emit, batch_wait_ms=1, batch_size=10,
            until_idle=0.05, stop=StopFlag(install=False))
    except ConnectionError:
        pass
    assert consumer.commits == 0


def test_enricher_forwards_enriched_events_without_reporter_identity():
    out = Enricher(secret=b"k").process([record(FILED, topic="events.valid")])
    event = json.loads(out.forward[0].value)
    assert event["payload"]["reporter"] == {"type": "voter"} and "enrichment" in event
    bad = Enricher(secret=b"k").process([record(b"{}", topic="events.valid")])
    assert bad.forward == [] and json.loads(dict(bad.rejected[0].headers)["netra.reasons"]) == [
        "schema.required:event_type"]


def test_sink_turns_records_into_event_and_reject_rows():
    enriched = Enricher(secret=b"k").process([record(FILED, topic="events.valid")]).forward[0]
    dlq = Validator(batch_rules=no_domain_rules).process([record(b"\x00bad", offset=9)]).rejected[0]
    out = Sink(secret=b"k").process([record(enriched.value, topic="events.enriched", offset=3),
                          record(dlq.value, topic="events.dlq", offset=4, headers=dlq.headers)])
    (event,), (reject,) = out.forward, out.rejected
    assert event.event_id == "0b6f0000-0000-4000-8000-000000000001"
    assert (event.kafka_topic, event.kafka_partition, event.kafka_offset) == ("events.enriched", 0, 3)
    assert (reject.source_topic, reject.source_partition, reject.source_offset, reject.stage) == (
        "reports.raw", 0, 9, "validator") and reject.reasons == '{"message.not_json"}'
    assert reject.message_value == "\\x" + b"\x00bad".hex()
    assert (event_row(record(enriched.value), json.loads(enriched.value)).body_sha256 == event.body_sha256), (
        "the body hash is stable")
    assert reject_row(record(dlq.value, topic="events.dlq", headers=dlq.headers), b"k").event_id is None


def test_sink_rows_are_named_by_their_columns():
    """The COPY column lists are the row types' fields: a row cannot hold its values in another order."""
    from consumers.sink import EVENT_COLUMNS, REJECT_COLUMNS, EventRow, RejectRow

    assert EVENT_COLUMNS == EventRow._fields and REJECT_COLUMNS == RejectRow._fields
    assert len(set(EVENT_COLUMNS)) == len(EVENT_COLUMNS) and len(set(REJECT_COLUMNS)) == len(REJECT_COLUMNS)
    enriched = Enricher(secret=b"k").process([record(FILED, topic="events.valid")]).forward[0]
    row = event_row(record(enriched.value, topic="events.enriched", offset=3), json.loads(enriched.value))
    assert isinstance(row, EventRow) and dict(zip(EVENT_COLUMNS, row)) == row._asdict()
    assert json.loads(row.payload)["report_id"] == json.loads(FILED)["payload"]["report_id"]
    assert "nik" not in json.loads(row.payload)["reporter"] and json.loads(row.enrichment)


def test_rejected_messages_are_stored_without_the_reporters_identity():
    from netra.enrichment import reporter_key

    dlq = Validator(batch_rules=lambda events, reports: [["region.unknown:payload.region_code"]]).process(
        [record(FILED)]).rejected[0]
    row = reject_row(record(dlq.value, topic="events.dlq", headers=dlq.headers), b"k")
    stored = bytes.fromhex(row.message_value[2:])
    assert b"3372012609860001" not in stored and b"Siti Aminah" not in stored
    assert json.loads(stored)["payload"]["reporter"] == {"type": "voter"}
    assert row.reporter_key == reporter_key(b"k", json.loads(FILED)["payload"]["reporter"])
    garbage = reject_row(record(b"nik 3372012609860001 nip 198609262015051001", topic="events.dlq"), b"k")
    assert bytes.fromhex(garbage.message_value[2:]) == b"nik 0000000000000000 nip 198609262015051001"


def test_a_replayed_message_keeps_its_reporter_key_through_the_enricher():
    scrubbed = json.loads(FILED)
    scrubbed["payload"]["reporter"].update(nik=None, name=None)
    from netra.enrichment import seal_reporter_key

    def enriched_key(header: bytes):
        out = Enricher(secret=b"k").process([record(json.dumps(scrubbed).encode(), topic="events.valid",
                                                    headers=[("netra.reporter_key", header)])])
        return json.loads(out.forward[0].value)["enrichment"]["reporter_key"]

    assert enriched_key(seal_reporter_key(b"k", "abc").encode()) == "abc"
    assert enriched_key(b"abc.forged") is None, "an unsealed key from upstream is ignored"
    assert enriched_key(seal_reporter_key(b"other-secret", "abc").encode()) is None


def test_validator_checks_proven_nips_against_a_report_seen_earlier_in_the_batch():
    filed = json.loads(FILED)
    decided = {"event_id": "0b6f0000-0000-4000-8000-000000000009", "event_type": "report.decided",
               "schema_version": 1, "source": "bawaslu:33.72", "occurred_at": "2020-11-25T10:00:00+07:00",
               "payload": {"report_id": filed["payload"]["report_id"], "decision": "proven",
                           "decided_on": "2020-11-25", "proven_nips": ["199001012015052003"]}}
    stage = Validator()  # the real GX suite
    out = stage.process([record(FILED, offset=0), record(json.dumps(decided).encode(), offset=1)])
    assert len(out.forward) == 1
    assert json.loads(dict(out.rejected[0].headers)["netra.reasons"]) == [
        "decision.proven_nip_not_subject:payload.proven_nips.0"]
    assert stage.reports[filed["payload"]["report_id"]] == (frozenset({"198609262015051001"}), 0)


def test_a_decision_is_judged_by_the_filings_before_it_wherever_the_batch_ends():
    filed = json.loads(FILED)
    report_id = filed["payload"]["report_id"]
    first_nip = filed["payload"]["subjects"][0]["nip"]
    corrected = json.loads(FILED)  # a later correction of the filing names another subject
    corrected["event_id"] = "0b6f0000-0000-4000-8000-00000000000a"
    corrected["payload"]["subjects"][0]["nip"] = "199001012015052003"
    decided = {"event_id": "0b6f0000-0000-4000-8000-000000000009", "event_type": "report.decided",
               "schema_version": 1, "source": "bawaslu:33.72", "occurred_at": "2020-11-25T10:00:00+07:00",
               "payload": {"report_id": report_id, "decision": "proven", "decided_on": "2020-11-25",
                           "proven_nips": [first_nip]}}
    stream = [record(json.dumps(e).encode(), offset=i) for i, e in enumerate((filed, decided, corrected))]

    def outcomes(batches):
        stage = Validator()  # the real GX suite
        outs = [stage.process(b) for b in batches]
        return sorted(json.loads(m.value)["event_id"] for o in outs for m in o.forward), stage.reports[report_id]

    one_batch = outcomes([stream])
    assert one_batch == outcomes([stream[:2], stream[2:]]) == outcomes([stream[:1], stream[1:]])
    assert len(one_batch[0]) == 3, "the decision matches the filing it followed, not the later correction"
    assert one_batch[1] == (frozenset({"199001012015052003"}), 0)


def test_until_idle_does_not_count_the_time_spent_joining_the_group():
    import time

    class SlowJoin(FakeConsumer):
        def __init__(self, batches, join_polls):
            super().__init__(batches)
            self.join_polls = join_polls

        def poll(self, timeout_ms=0, max_records=None):
            time.sleep(0.01)
            if self.join_polls > 0:
                self.join_polls -= 1
                return {}
            return super().poll(timeout_ms, max_records)

        def assignment(self):
            return set() if self.join_polls > 0 else {("t", 0)}

    consumer = SlowJoin([[record(FILED)]], join_polls=10)  # ~0.1 s joining, longer than until_idle
    counters = run(consumer, Validator(batch_rules=no_domain_rules), KafkaEmitter(FakeProducer()), batch_wait_ms=1,
                   batch_size=10, until_idle=0.05, stop=StopFlag(install=False))
    assert counters.consumed == 1


def test_until_idle_waits_for_records_the_broker_has_but_a_slow_fetch_has_not_returned():
    import time

    class SlowFetch(FakeConsumer):
        """The broker holds one record (end offset 1) that the fetch returns only after ~0.15 s."""

        def __init__(self):
            super().__init__([[record(FILED)]])
            self.ready_at = time.monotonic() + 0.15
            self.read = 0

        def poll(self, timeout_ms=0, max_records=None):
            time.sleep(0.01)
            if time.monotonic() < self.ready_at:
                return {}
            polled = super().poll(timeout_ms, max_records)
            self.read += sum(len(v) for v in polled.values())
            return polled

        def end_offsets(self, parts):
            return {tp: 1 for tp in parts}

        def position(self, tp):
            return self.read

    consumer = SlowFetch()  # until_idle 0.05 s is over long before the fetch answers
    counters = run(consumer, Validator(batch_rules=no_domain_rules), KafkaEmitter(FakeProducer()), batch_wait_ms=1,
                   batch_size=10, until_idle=0.05, stop=StopFlag(install=False))
    assert counters.consumed == 1


def test_until_idle_stops_waiting_for_a_partition_that_never_delivers(monkeypatch):
    import time

    import consumers.loop as loop

    class NeverDelivers(FakeConsumer):
        """The broker says there is a record, no fetch ever returns it (e.g. a partition left paused)."""

        def __init__(self):
            super().__init__([])

        def end_offsets(self, parts):
            return {tp: 1 for tp in parts}

        def position(self, tp):
            return 0

    monkeypatch.setattr(loop, "BEHIND_WAIT_S", 0.2)
    t = time.monotonic()
    counters = run(NeverDelivers(), Validator(batch_rules=no_domain_rules), KafkaEmitter(FakeProducer()),
                   batch_wait_ms=1, batch_size=10, until_idle=0.05, stop=StopFlag(install=False))
    assert counters.consumed == 0 and time.monotonic() - t < 5, "the idle exit came after the bounded wait"


def test_a_send_the_broker_did_not_acknowledge_stops_the_commit():
    from netra.kafka_io import DeliveryError

    consumer = FakeConsumer([[record(FILED), record(b"x", offset=1)]])
    producer = FakeProducer(fail_on={1})  # flush() returns, but the second send failed
    try:
        run(consumer, Validator(batch_rules=no_domain_rules), KafkaEmitter(producer), batch_wait_ms=1,
            batch_size=10, until_idle=0.05, stop=StopFlag(install=False))
    except DeliveryError as exc:
        assert [i for i, _ in exc.failures] == [1]
    else:
        raise AssertionError("a failed delivery must raise")
    assert consumer.commits == 0


def test_reporter_identity_under_typo_keys_is_not_stored_either():
    typo = json.loads(FILED)
    typo["payload"]["reporter"] = {"type": "voter", "nik_ktp": "3372012609860001", "nama": "Siti Aminah"}
    dlq = Validator(batch_rules=no_domain_rules).process([record(json.dumps(typo).encode())]).rejected[0]
    stored = bytes.fromhex(reject_row(record(dlq.value, topic="events.dlq", headers=dlq.headers), b"k")
                           .message_value[2:])
    assert b"3372012609860001" not in stored and b"Siti" not in stored


def test_nul_in_sender_chosen_names_cannot_break_the_sink_rows():
    bad = json.loads(FILED)
    bad["payload"]["bad\u0000key"] = 1
    dlq = Validator(batch_rules=no_domain_rules).process(
        [record(json.dumps(bad).encode(), headers=[("h\x00", b"v\x00")])]).rejected[0]
    row = reject_row(record(dlq.value, topic="events.dlq", headers=dlq.headers), b"k")
    assert "\x00" not in row.reasons and "\x00" not in row.headers
    assert json.loads(row.headers) == {"h": "v"}


def test_huge_rejected_values_are_cut_for_the_dlq():
    from consumers.dlq import DLQ_MAX_VALUE

    out = Validator(batch_rules=no_domain_rules).process([record(b"x" * (DLQ_MAX_VALUE + 10))]).rejected[0]
    assert len(out.value) == DLQ_MAX_VALUE and dict(out.headers)["netra.truncated"] == str(DLQ_MAX_VALUE + 10).encode()
