"""BKPSDM export -> real Kafka -> validator/enricher/sink -> raw.events: exactly the good rows, once.

The good rows land once even when the export is imported again.
"""
from __future__ import annotations

import shutil
from datetime import date

from netra.kafka_io import make_producer
from producers.bkpsdm_import import gx_domain_check, import_inbox, scan_inbox
from support import DATA

BKPSDM = DATA / "bkpsdm"
CSV_NAME = "33.72_hukdis_2024-12.csv"
GOOD_ROWS = ["800/1021/BKPSDM/XII/2024", "800/1022/BKPSDM/XII/2024", "800/1025/BKPSDM/XII/2024"]


def landed(db) -> list[tuple[str, str, str, str]]:
    with db, db.cursor() as cur:
        cur.execute("SELECT event_id::text, event_type, source, payload->>'sanction_id' FROM raw.events "
                    "ORDER BY payload->>'sanction_id'")
        return cur.fetchall()


def rejected_count(db) -> int:
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw.rejected_events")
        return cur.fetchone()[0]


def test_csv_export_lands_the_good_rows_once_even_when_imported_twice(pipeline, db, tmp_path, run_stages,
                                                                       monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(BKPSDM / CSV_NAME, inbox / CSV_NAME)

    producer = make_producer(pipeline)
    try:
        (report,) = scan_inbox(inbox, inbox / "processed", producer, domain_check=gx_domain_check(date.today()))
    finally:
        producer.close()
    assert (report.sent, report.rejected) == (3, 3)
    counters = run_stages(pipeline)

    rows = landed(db)
    assert [(t, s, sid) for _eid, t, s, sid in rows] == [("sanction.imposed", "bkpsdm:33.72", sid) for sid in GOOD_ROWS]
    assert sorted(eid for eid, *_ in rows) == sorted(report.event_ids)
    assert counters["validator"].consumed == 3 and counters["validator"].rejected == 0, \
        "the importer already refused every row the validator would reject"
    assert rejected_count(db) == 0

    # The clerk drops the same export again; this time through the DAG's entry point and settings.
    shutil.copy(BKPSDM / CSV_NAME, inbox / CSV_NAME)
    monkeypatch.setenv("NETRA_BKPSDM_INBOX", str(inbox))
    from netra import settings

    pipeline = settings.load()  # settings are read when called: pick up the inbox
    said = []
    result = import_inbox(pipeline, today=date.today(), say=said.append, min_age_seconds=0)
    assert {k: result[k] for k in ("files", "sent", "rejected_rows", "refused_files")} == \
        {"files": 1, "sent": 3, "rejected_rows": 3, "refused_files": []}, said
    assert result["reports"][0]["archived_to"].endswith("processed/33.72_hukdis_2024-12.2.csv")
    counters = run_stages(pipeline)

    assert counters["validator"].consumed == 3, "the events were sent again ..."
    assert landed(db) == rows, "... and the sink stored none of them twice"
    assert rejected_count(db) == 0, "re-sent events are byte-identical: no event_id conflicts either"
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
        ".sent-events.csv", "33.72_hukdis_2024-12.2.csv", "33.72_hukdis_2024-12.2.csv.result.csv",
        CSV_NAME, f"{CSV_NAME}.result.csv",
    ]
