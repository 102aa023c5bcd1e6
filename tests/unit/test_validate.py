"""`netra validate` / `validate-bkpsdm`: the pipeline's rules on a file, offline, with the same reasons."""
from __future__ import annotations

import copy
import io
import json
import shutil
from datetime import date

import pytest

from consumers.validator import Validator
from netra import cli
from netra.validate import validate_lines, validate_sheet
from support import DATA, Record, report_filed

FILED = report_filed()
SHEET = DATA / "bkpsdm" / "33.72_hukdis_2024-12.csv"


def line(obj) -> bytes:
    return json.dumps(obj).encode()


def event(**changes) -> dict:
    e = copy.deepcopy(FILED)
    for path, value in changes.items():
        node = e
        *parents, last = path.split("__")
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[last] = value
    return e


def decision(report_id: str, nips: list[str], event_id: str) -> dict:
    return {"event_id": event_id, "event_type": "report.decided", "schema_version": 1, "source": "bawaslu:33.72",
            "occurred_at": "2020-11-25T10:00:00+07:00",
            "payload": {"report_id": report_id, "decision": "proven", "decided_on": "2020-11-25",
                        "proven_nips": nips}}


def jsonl(*lines: bytes) -> io.BytesIO:
    return io.BytesIO(b"\n".join(lines) + b"\n")


def test_each_rejected_line_has_its_number_event_id_and_the_validators_reasons():
    other = "0b6f0000-0000-4000-8000-0000000000%02d"
    stream = jsonl(
        line(FILED),                                                        # 1 valid
        b"{not json",                                                       # 2
        b"",                                                                # 3 blank: skipped, as publish does
        line(event(event_id=other % 4, payload__region_code="99.99")),     # 4 domain rule (GX)
        line(event(event_id=other % 5, payload__colour="red")),           # 5 contract
        # 6: its report is line 1 of the same file, so the proven-NIP rule IS checked
        line(decision(FILED["payload"]["report_id"], ["197001012000011001"], other % 6)),
        # 7: its report is not in the file: the rule is skipped, and said to be
        line(decision("unknown/report", ["198609262015051001"], other % 7)),
    )
    report = validate_lines(stream, name="f.jsonl", topic="reports.raw")
    assert (report.lines, report.valid, report.ok) == (6, 2, False)
    got = {r.line: (r.event_id, r.reasons) for r in report.rejected}
    assert got == {
        2: (None, ["message.not_json"]),
        4: (other % 4, ["region.unknown:payload.region_code"]),
        5: (other % 5, ["schema.unknown_field:payload.colour"]),
        6: (other % 6, ["decision.proven_nip_not_subject:payload.proven_nips.0"]),
    }
    skipped = {s.rule: s for s in report.skipped}
    assert skipped["decision.proven_nip_not_subject"].lines == [7]
    assert "event_id.conflict" in skipped and "topic.mismatch" not in skipped
    text = report.to_text()
    assert "f.jsonl:4: event " + other % 4 in text
    assert "`region_code` is not in the Kemendagri reference table." in text  # the meaning from reasons.py
    assert "6 event(s): 2 valid, 4 rejected" in text


def test_without_topic_the_topic_match_is_skipped_and_with_it_checked():
    assert validate_lines(jsonl(line(FILED))).ok
    report = validate_lines(jsonl(line(FILED)), topic="sanctions.raw")
    assert report.rejected[0].reasons == ["topic.mismatch:event_type"]
    assert "topic.mismatch" in {s.rule for s in validate_lines(jsonl(line(FILED))).skipped}


def test_a_generated_season_gets_exactly_the_reasons_the_validator_stage_gives(tmp_path):
    from producers.generate import generate_season

    season = generate_season(tmp_path, seed=11, scale=0.03)
    for topic, path in season.files.items():
        lines = [raw.strip() for raw in path.read_bytes().splitlines() if raw.strip()]
        stage = Validator().process([Record(topic, 0, n, None, v, []) for n, v in enumerate(lines, start=1)])
        expected = {int(dict(m.headers)["netra.source_offset"]): json.loads(dict(m.headers)["netra.reasons"])
                    for m in stage.rejected}
        report = validate_lines(io.BytesIO(path.read_bytes()), topic=topic)
        assert {r.line: r.reasons for r in report.rejected} == expected, topic
        assert report.valid == len(stage.forward)
    assert any(validate_lines(io.BytesIO(p.read_bytes())).rejected for p in season.files.values()), \
        "the generated season includes invalid events"


def test_cli_exit_code_and_json(tmp_path, capsys):
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_bytes(line(FILED) + b"\n")
    bad.write_bytes(line(FILED) + b"\n" + line(event(payload__category="V99")) + b"\n")
    assert cli.main(["validate", str(good), "--topic", "reports.raw"]) == 0
    capsys.readouterr()
    assert cli.main(["validate", str(bad), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["events"], result["valid"], result["rejected"], result["ok"]) == (2, 1, 1, False)
    [rejected] = result["rejected_events"]
    assert rejected["line"] == 2 and rejected["reasons"][0]["code"] == "schema.enum"
    assert rejected["reasons"][0]["path"] == "payload.category" and rejected["reasons"][0]["fix"]
    assert cli.main(["validate", str(tmp_path / "missing.jsonl")]) == 2
    assert cli.main(["validate", str(good), "--topic", "events.dlq"]) == 2


def test_validate_bkpsdm_gives_the_importers_per_row_result_and_sends_nothing(tmp_path, capsys):
    sheet = tmp_path / SHEET.name
    shutil.copy(SHEET, sheet)
    report = validate_sheet(sheet, today=date(2025, 1, 31))
    assert report.source == "bkpsdm:33.72"
    assert {r.row: r.reasons for r in report.rejected} == {
        4: ["schema.pattern:payload.nip"],
        5: ["sanction.unknown_code:payload.sanction_code"],
        7: ["row.date_unreadable:payload.decree_date"],
    }
    assert [r.row for r in report.rows if r.status != "rejected"] == [2, 3, 6]
    assert sorted(p.name for p in tmp_path.iterdir()) == [SHEET.name], "nothing archived, no result file"
    assert cli.main(["validate-bkpsdm", str(sheet), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["rows"], result["would_send"], result["rejected"]) == (6, 3, 3)
    good = tmp_path / "33.72_good.csv"
    rows = SHEET.read_text().splitlines()
    good.write_text("\n".join([rows[0], rows[1], rows[2], rows[5]]) + "\n")
    assert cli.main(["validate-bkpsdm", str(good)]) == 0


def test_validate_bkpsdm_names_an_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "33.72_x.csv"
    bad.write_text("a;b;c\n1;2;3\n")
    assert cli.main(["validate-bkpsdm", str(bad)]) == 1
    assert "file refused" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["validate", "-"]])
def test_validate_reads_standard_input(argv, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(line(FILED) + b"\n")))
    assert cli.main(argv) == 0
    assert "1 event(s): 1 valid, 0 rejected" in capsys.readouterr().out
