"""A minimal upstream producer for Netra, in Python: copy it and adapt it.

It plays a Bawaslu case system: it sends one valid and one invalid `report.filed` event to
`reports.raw` (keyed by report_id, as the contract says), checks that the broker
acknowledged both, then reads its own rejects topic `rejects.<source domain>` until the
notice for the invalid event arrives, and prints the reasons with what to fix.

Needs only kafka-python (`pip install kafka-python`); nothing of Netra is imported.

    NETRA_KAFKA_BOOTSTRAP=127.0.0.1:9092 python examples/python/producer.py

Settings (environment): NETRA_KAFKA_BOOTSTRAP (default 127.0.0.1:9092), NETRA_KAFKA_USERNAME and
NETRA_KAFKA_PASSWORD (your SASL/SCRAM-SHA-512 principal, e.g. `bawaslu`; the broker's ACLs let it write
reports.raw and read rejects.bawaslu only), NETRA_SOURCE (default bawaslu:33.72), NETRA_REJECT_TIMEOUT_S
(default 120). Exit code 0 when the reject came back.
Before sending for real, check a file offline with `netra validate events.jsonl --topic reports.raw`.
"""
from __future__ import annotations

import json
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

BOOTSTRAP = os.environ.get("NETRA_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
SOURCE = os.environ.get("NETRA_SOURCE", "bawaslu:33.72")
TIMEOUT_S = float(os.environ.get("NETRA_REJECT_TIMEOUT_S", "120"))
#: SASL/SCRAM login of this upstream's principal (Netra's broker refuses clients without one)
LOGIN = ({"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
          "sasl_plain_username": os.environ["NETRA_KAFKA_USERNAME"],
          "sasl_plain_password": os.environ.get("NETRA_KAFKA_PASSWORD", "")}
         if os.environ.get("NETRA_KAFKA_USERNAME") else {})
TOPIC = "reports.raw"
REJECTS = "rejects." + SOURCE.split(":", 1)[0]  # the part of `source` before the first ':'
WIB = timezone(timedelta(hours=7))


def report_filed(report_id: str, region_code: str) -> dict:
    """A report.filed event of contract v1 (JSON Schema: netra/contracts/schemas/report.filed.v1.json)."""
    now = datetime.now(WIB).replace(microsecond=0)
    return {
        "event_id": str(uuid.uuid4()),  # keep it: re-sending the same event must reuse it
        "event_type": "report.filed",
        "schema_version": 1,
        "source": SOURCE,
        "occurred_at": now.isoformat(),
        "payload": {
            "report_id": report_id,
            "kind": "laporan",
            "election_id": "pilkada-2024",
            "region_code": region_code,
            "filed_on": now.date().isoformat(),
            "category": "V02",
            "subjects": [{"nip": "198609262015051001", "name": "Budi Santoso",
                          "agency": "Pemerintah Kota Surakarta", "position": None}],
            "reporter": {"type": "voter", "nik": None, "name": None},
            "summary": "Example report sent by examples/python/producer.py",
        },
    }


def send(producer: KafkaProducer, event: dict) -> None:
    """Send one event with the contract's key and wait for the broker's acknowledgement."""
    value = json.dumps(event, ensure_ascii=False).encode("utf-8")
    key = event["payload"]["report_id"].encode("utf-8")  # the Kafka key: the payload's business id
    producer.send(TOPIC, key=key, value=value).get(timeout=30)  # raises unless the broker acknowledged it


def wait_for_reject(event_id: str) -> dict | None:
    """Read the rejects topic from the beginning until the notice for `event_id` arrives.

    A real integration would use a consumer group (and de-duplicate on the key, reject_id);
    assigning the partitions needs no group, so this example needs read access to the topic only.
    """
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, **LOGIN)
    try:
        partitions = [TopicPartition(REJECTS, p) for p in sorted(consumer.partitions_for_topic(REJECTS) or ())]
        if not partitions:
            raise SystemExit(f"topic {REJECTS} does not exist: ask the operators to run `netra topics create`")
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    notice = json.loads(record.value.decode("utf-8"))
                    if notice.get("event_id") == event_id:
                        return notice
        return None
    finally:
        consumer.close()


def main() -> int:
    """Send a valid and an invalid event, then print the reject of the invalid one."""
    run = uuid.uuid4().hex[:8]
    good = report_filed(f"EXAMPLE/{run}/1", "33.72")
    bad = report_filed(f"EXAMPLE/{run}/2", "99.99")  # no such Kemendagri region: refused as region.unknown
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", **LOGIN)
    try:
        send(producer, good)
        send(producer, bad)
    finally:
        producer.close()
    print(f"sent valid event {good['event_id']} and invalid event {bad['event_id']} to {TOPIC}", flush=True)

    notice = wait_for_reject(bad["event_id"])
    if notice is None:
        print(f"no reject for {bad['event_id']} on {REJECTS} within {TIMEOUT_S:.0f} s "
              "(is the pipeline running?)", file=sys.stderr)
        return 1
    print(f"reject for {notice['event_id']} on {REJECTS}: {' '.join(notice['reasons'])}")
    for e in notice["explanations"]:
        print(f"  {e['reason']}: {e['meaning']} Fix: {e['fix']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
