"""`netra replay` without services: the selection and its errors, rebuilding a landed event, one re-enrichment."""
from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from consumers.enricher import Enricher
from netra import replay
from netra.cli import main
from netra.contracts.codec import body_sha256, encode_event
from netra.contracts.decode import decode
from netra.contracts.vocabulary import WIB
from netra.reference import agencies
from support import add_agency_alias, report_filed

SECRET = b"unit-test-secret"
FILED = report_filed()
SURAKARTA = "A5EB03E23B43F6A0E040640A040252AD"  # Pemerintah Kota Surakarta


# ---------------------------------------------------------------- selection and command line


def test_no_filter_names_every_flag_that_selects():
    with pytest.raises(replay.FilterError) as err:
        replay.selection()
    for flag in replay.FILTER_FLAGS:
        assert flag in str(err.value)


@pytest.mark.parametrize(("kwargs", "says"), [
    (dict(everything=True, types=["sanction.imposed"]), "--all selects every landed event"),
    (dict(types=["sanction.issued"]), "unknown event type 'sanction.issued'"),
    (dict(since="2024-02-30"), "not a calendar day"),
    (dict(since="yesterday"), "neither a day"),
    (dict(until="2024-02-14T08:00:00"), "has no UTC offset"),
    (dict(since="2024-03-01", until="2024-02-01"), "is not before"),
    (dict(types=["report.filed"], by="ingested_at"), "give --since or --until with it"),
    (dict(since="2024-01-01", by="landed"), "choose occurred_at or ingested_at"),
    (dict(source="  "), "--source needs a source"),
])
def test_inconsistent_selections_are_refused_with_what_to_give(kwargs, says):
    with pytest.raises(replay.FilterError, match=says):
        replay.selection(**kwargs)


def test_days_are_whole_wib_days_and_times_are_exact_bounds():
    sel = replay.selection(since="2024-02-01", until="2024-02-14")
    assert sel.since == datetime(2024, 2, 1, tzinfo=WIB)
    assert sel.until == datetime(2024, 2, 15, tzinfo=WIB), "--until DAY includes that day"
    exact = replay.selection(until="2024-02-14T08:00:00+08:00", by="ingested_at")
    assert exact.until == datetime(2024, 2, 14, 0, 0, tzinfo=UTC)
    where, params = exact.where()
    assert where == "coalesce(e.first_ingested_at, e.ingested_at) < %(until)s" and params["until"] == exact.until


def test_where_combines_every_filter_and_all_selects_everything():
    where, params = replay.selection(types=["sanction.imposed", "sanction.imposed", "recommendation.issued"],
                                     since="2024-01-01", source="bkpsdm").where()
    assert params["types"] == ["sanction.imposed", "recommendation.issued"]
    assert "e.event_type = ANY" in where and "e.occurred_at >= %(since)s" in where and "split_part" in where
    assert replay.selection(everything=True).where() == ("TRUE", {})
    assert replay.selection(everything=True).describe() == "--all"


def test_the_command_line_refuses_a_missing_or_bad_selection_before_connecting(capsys, monkeypatch):
    monkeypatch.setenv("NETRA_PG_DSN", "postgresql://nobody@127.0.0.1:1/none")  # never reached
    assert main(["replay"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: netra replay needs a selection") and "--all" in err and "--type" in err
    assert main(["replay", "--all", "--source", "bkpsdm"]) == 2
    assert "--all selects every landed event" in capsys.readouterr().err
    assert main(["replay", "--type", "report.filed", "--type", "nope", "--dry-run"]) == 2
    assert "unknown event type 'nope'" in capsys.readouterr().err


# ---------------------------------------------------------------- one landed event


def _landed(event: dict, secret: bytes = SECRET) -> replay.LandedRow:
    """What the validator, the enricher and the sink make of `event`, as raw.events gives it back."""
    valid = decode(encode_event(event), "reports.raw")
    assert valid.ok, valid.reasons
    record = replay.LandedRecord("events.valid", 0, 0, None, encode_event(valid.event), [])
    enriched = json.loads(Enricher(secret=secret).process([record]).forward[0].value)
    return replay.LandedRow(
        enriched["event_id"].lower(), enriched["event_type"], enriched["schema_version"], enriched["source"],
        datetime.fromisoformat(enriched["occurred_at"]).astimezone(UTC),  # timestamptz keeps the instant only
        enriched["payload"], enriched["enrichment"], body_sha256(enriched))


@pytest.mark.parametrize("occurred_at", ["2020-11-21T23:30:00+07:00", "2020-11-21T23:30:00+09:00",
                                         "2020-11-21T23:30:00Z", "2020-11-21T23:30:00.250-03:30"])
def test_a_landed_event_is_rebuilt_exactly_with_the_offset_it_was_sent_at(occurred_at):
    event = copy.deepcopy(FILED)
    event["occurred_at"] = occurred_at
    event["event_id"] = event["event_id"].upper()
    row = _landed(event)
    rebuilt, offset = replay.rebuild(row)
    assert body_sha256(rebuilt) == row.body_sha256
    assert rebuilt["occurred_at"][:10] == "2020-11-21", "the local day the bands are computed on"
    assert offset == datetime.fromisoformat(occurred_at).utcoffset()


def test_a_row_whose_body_no_offset_reproduces_is_left_as_landed():
    row = _landed(FILED)._replace(body_sha256="0" * 64)
    assert replay.rebuild(row) is None
    result = replay.rerun(Enricher(secret=SECRET), SECRET, row)
    assert result.enrichment is None and result.skipped.startswith("not rebuilt")


def test_rerun_uses_the_enrichers_current_reference_data_and_keeps_every_pseudonym(monkeypatch, tmp_path):
    event = copy.deepcopy(FILED)
    event["payload"]["subjects"][0]["agency"] = "Dinas Sosial Pemkot Solo"
    row = _landed(event)
    assert row.enrichment["subjects"][0]["agency"]["bkn_id"] is None
    assert "nik" not in row.payload["reporter"] and row.enrichment["reporter_key"]

    same = replay.rerun(Enricher(secret=SECRET), SECRET, row)
    assert same.enrichment == row.enrichment, "nothing changed: nothing to rewrite"

    add_agency_alias(monkeypatch, tmp_path, "Dinas Sosial Pemkot Solo", SURAKARTA)
    try:
        result = replay.rerun(Enricher(secret=SECRET), SECRET, row)
    finally:
        monkeypatch.undo()
        agencies.clear_caches()
    assert result.skipped is None
    assert result.enrichment["subjects"][0]["agency"]["bkn_id"] == SURAKARTA
    assert result.enrichment["reporter_key"] == row.enrichment["reporter_key"], "carried by the sealed header"
    assert replay.pseudonyms(result.enrichment) == replay.pseudonyms(row.enrichment)
    assert result.offset == timedelta(hours=7)


def test_rerun_under_another_hmac_key_stops_the_replay():
    row = _landed(FILED)
    with pytest.raises(replay.KeyMismatch, match="NETRA_HMAC_KEY is not the key"):
        replay.rerun(Enricher(secret=b"another-key"), b"another-key", row)
