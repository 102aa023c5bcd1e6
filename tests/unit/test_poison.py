"""Every stage checks what it consumes against its topic's contract; a bad message is refused, never a crash."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from consumers.enricher import Enricher
from consumers.sink import Sink
from consumers.validator import Validator
from netra.contracts.codec import encode_event
from netra.contracts.decode import decode_enriched
from netra.contracts.headers import H_REASONS, H_SOURCE_PARTITION, H_STAGE, DlqHeadersError, dlq_headers
from support import REPORT_FILED, record

FILED = REPORT_FILED.read_bytes()
SECRET = b"k"


def no_domain_rules(events, reports=None):
    return [[] for _ in events]


def enriched_filed() -> dict:
    out = Enricher(secret=SECRET).process([record(FILED, topic="events.valid")])
    return json.loads(out.forward[0].value)


def reasons_of(outgoing) -> list[str]:
    return json.loads(dict(outgoing.headers)[H_REASONS])


def test_every_event_of_a_generated_season_passes_the_enriched_contract(tmp_path):
    from producers.generate import generate_season

    season = generate_season(tmp_path / "s", seed=3, scale=0.05, fuzzy_rate=0.3)
    ingress = [record(line, topic=topic, offset=i) for topic, path in season.files.items()
               for i, line in enumerate(open(path, "rb"))]
    valid = Validator().process(ingress).forward
    enriched = Enricher(secret=SECRET).process([record(m.value, topic="events.valid", offset=i, headers=m.headers)
                                                for i, m in enumerate(valid)])
    assert enriched.rejected == [] and len(enriched.forward) == len(valid) > 100
    refused = [(m.value[:80], d.reasons) for m in enriched.forward if not (d := decode_enriched(m.value)).ok]
    assert refused == []
    types = {json.loads(m.value)["event_type"] for m in enriched.forward}
    assert len(types) >= 5, types  # the small season may have no revocation


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda e: e.pop("enrichment"), "schema.required:enrichment"),
    (lambda e: e["payload"]["reporter"].update(nik="3372012609860001"),
     "reporter.identity_present:payload.reporter.nik"),
    (lambda e: e["payload"]["reporter"].update(name="Siti Aminah"),
     "reporter.identity_present:payload.reporter.name"),
    (lambda e: e["enrichment"].update(reporter_name="Siti"), "schema.unknown_field:enrichment.reporter_name"),
    (lambda e: e["enrichment"]["subjects"].pop(), "enrichment.subjects_mismatch"),
    (lambda e: e["enrichment"].update(version=2), "schema.enum:enrichment.version"),
    (lambda e: e["payload"].pop("report_id"), "schema.required:payload.report_id"),
    (lambda e: e.update(event_type="sanction.revoked"), "schema.required:payload.sanction_id"),
])
def test_the_enriched_contract_refuses_what_the_enricher_never_writes(mutate, reason):
    event = enriched_filed()
    assert decode_enriched(encode_event(event)).ok
    mutate(event)
    assert reason in decode_enriched(encode_event(event)).reasons


def test_the_sink_refuses_poison_on_events_enriched_and_lands_the_rest():
    good = encode_event(enriched_filed())
    poison = copy.deepcopy(enriched_filed())
    poison["payload"]["reporter"] = {"type": "voter", "nik": "3372012609860001", "name": "Siti Aminah"}
    out = Sink(secret=SECRET).process([
        record(good, topic="events.enriched", partition=1, offset=10),
        record(b"not json", topic="events.enriched", partition=1, offset=11),
        record(encode_event(poison), topic="events.enriched", partition=1, offset=12),
        record(FILED, topic="events.enriched", partition=1, offset=13),  # a v1 event that skipped the enricher
        record(good, topic="events.enriched", partition=1, offset=14),
    ])
    assert [row[10] for row in out.forward] == [10, 14]
    by_offset = {row[2]: row for row in out.rejected}
    assert set(by_offset) == {11, 12, 13}
    assert all(row[0:2] == ("events.enriched", 1) and row[3] == "sink" for row in out.rejected)
    assert by_offset[11][4] == '{"message.not_json"}'
    assert "reporter.identity_present:payload.reporter.nik" in by_offset[12][4]
    assert "schema.required:enrichment" in by_offset[13][4]
    for row in (by_offset[12], by_offset[13]):
        stored = bytes.fromhex(row[9][2:])
        assert b"3372012609860001" not in stored and b"Siti Aminah" not in stored


def _dlq_record(**header_changes):
    dlq = Validator(batch_rules=no_domain_rules).process([record(b"nope", offset=5)]).rejected[0]
    headers = dict(dlq.headers)
    for name, value in header_changes.items():
        name = "netra." + name
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    return record(dlq.value, topic="events.dlq", partition=2, offset=7, headers=list(headers.items()))


@pytest.mark.parametrize(("changes", "reason"), [
    ({"reasons": None}, "dlq.header_missing:netra.reasons"),
    ({"reasons": b"not json"}, "dlq.header_invalid:netra.reasons"),
    ({"reasons": b"[]"}, "dlq.header_invalid:netra.reasons"),
    ({"reasons": b'["made.up:x"]'}, "dlq.header_invalid:netra.reasons"),
    ({"stage": b"somebody"}, "dlq.header_invalid:netra.stage"),
    ({"source_partition": b"one"}, "dlq.header_invalid:netra.source_partition"),
    ({"source_offset": b"-3"}, "dlq.header_invalid:netra.source_offset"),
    ({"source_topic": None}, "dlq.header_missing:netra.source_topic"),
    ({"rejected_at": b"yesterday"}, "dlq.header_invalid:netra.rejected_at"),
])
def test_a_dlq_record_with_broken_headers_is_refused_without_a_loop(changes, reason):
    bad = _dlq_record(**changes)
    with pytest.raises(DlqHeadersError) as exc:
        dlq_headers(bad.headers)
    assert reason in exc.value.reasons
    (row,) = Sink(secret=SECRET).process([bad]).rejected
    # landed as the sink's own reject, at the DLQ record's position: it goes nowhere else, so no loop
    assert row[:4] == ("events.dlq", 2, 7, "sink") and reason in row[4]


def test_a_good_dlq_record_keeps_the_position_and_stage_it_was_refused_at():
    (row,) = Sink(secret=SECRET).process([_dlq_record()]).rejected
    assert row[:5] == ("reports.raw", 0, 5, "validator", '{"message.not_json"}')


def test_the_enricher_refuses_what_breaks_the_v1_models():
    broken = json.loads(FILED)
    broken["payload"]["subjects"][0]["nip"] = "12"
    forged = json.loads(FILED)
    forged["payload"]["colour"] = "red"
    out = Enricher(secret=SECRET).process([
        record(FILED, topic="events.valid", offset=0),
        record(b"\xff\xfe", topic="events.valid", offset=1),
        record(json.dumps(broken).encode(), topic="events.valid", offset=2),
        record(json.dumps(forged).encode(), topic="events.valid", offset=3),
        record(FILED, topic="events.valid", offset=4),
    ])
    assert len(out.forward) == 2
    assert [reasons_of(m) for m in out.rejected] == [
        ["message.not_utf8"], ["schema.pattern:payload.subjects.0.nip"], ["schema.unknown_field:payload.colour"]]
    assert {dict(m.headers)[H_STAGE] for m in out.rejected} == {b"enricher"}
    assert [dict(m.headers)[H_SOURCE_PARTITION] for m in out.rejected] == [b"0"] * 3


def test_every_field_the_enriched_contract_adds_is_described():
    import inspect

    from pydantic import BaseModel

    from netra.contracts import enriched

    models = [cls for _, cls in inspect.getmembers(enriched, inspect.isclass)
              if issubclass(cls, BaseModel) and cls.__module__ == enriched.__name__]
    own = [(cls.__name__, name) for cls in models for name in cls.__dict__.get("__annotations__", {})
           if name in cls.model_fields]
    assert len(own) > 30
    assert [f"{c}.{n}" for c, n in own if not dict(inspect.getmembers(enriched))[c].model_fields[n].description] == []
    schema = json.loads((Path(enriched.__file__).parent / "schemas" / "events.enriched.v1.json").read_text())
    assert schema["$defs"]["AsnProfile"]["properties"]["asn_key"]["description"].startswith("HMAC-SHA-256")
