"""Log lines: one JSON object per line in json format (the consumers' JSON messages become its fields)."""
from __future__ import annotations

import io
import json
import logging

import pytest

from netra import logs


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_json_format_is_one_object_per_line_with_the_message_fields(restore_logging):
    out = io.StringIO()
    logs.configure("INFO", "json", stream=out)
    logging.getLogger("netra.consumer").info(json.dumps({"event": "batch", "stage": "sink", "size": 3}))
    logging.getLogger("netra.cli").warning("plain sentence\nwith a newline")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("netra.cli").exception("failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    first, second, third = (json.loads(line) for line in lines)
    assert (first["event"], first["stage"], first["size"], first["level"], first["logger"]) == (
        "batch", "sink", 3, "INFO", "netra.consumer")
    assert first["ts"].endswith("Z")
    assert second["msg"] == "plain sentence\nwith a newline" and second["level"] == "WARNING"
    assert third["msg"] == "failed" and "ValueError: boom" in third["exc"]


def test_noisy_libraries_are_held_at_warning(restore_logging):
    out = io.StringIO()
    logs.configure("INFO", "text", stream=out)
    logging.getLogger("great_expectations.core").info("Calculating metrics ...")
    logging.getLogger("kafka.conn").info("connecting")
    logging.getLogger("kafka.conn").warning("broker went away")
    logging.getLogger("netra.sink").info("landed")
    text = out.getvalue()
    assert "Calculating metrics" not in text and "connecting" not in text
    assert "broker went away" in text and "landed" in text


def test_debug_lets_the_libraries_through(restore_logging):
    out = io.StringIO()
    logs.configure("DEBUG", "text", stream=out)
    logging.getLogger("kafka.conn").debug("bytes")
    assert "bytes" in out.getvalue()
    logs.quiet_libraries("INFO")
    assert logging.getLogger("kafka").level == logging.WARNING


def test_cli_json_format_prints_objects_and_errors_go_to_stderr(capsys, monkeypatch, tmp_path):
    from netra.cli import main

    monkeypatch.setenv("NETRA_HOME", str(tmp_path))
    monkeypatch.setenv("NETRA_LOG_FORMAT", "text")  # the option wins (and monkeypatch restores the env after)
    assert main(["--log-format", "json", "import-bkpsdm", str(tmp_path / "nope.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = json.loads(captured.err.strip())
    assert err["level"] == "ERROR" and err["msg"].startswith("no such file:")


def test_a_bad_log_format_setting_is_refused_clearly(capsys, monkeypatch):
    from netra.cli import main

    monkeypatch.setenv("NETRA_LOG_FORMAT", "yaml")
    assert main(["status"]) == 2
    assert "NETRA_LOG_FORMAT='yaml': use one of text, json" in capsys.readouterr().err
