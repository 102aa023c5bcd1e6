"""The integrators' examples (examples/python, examples/java) against the real broker and a running pipeline.

Each example sends one valid and one invalid event and must read its own reject back from
`rejects.<source domain>` while the three stages run; afterwards the valid event is in
raw.events. The Java one is built with Maven (offline once ~/.m2 holds the jars).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from support import REPO

EXAMPLES = REPO / "examples"


@pytest.fixture
def running_pipeline(pipeline):
    """validator, enricher and sink draining their topics in turn, over and over, until the test ends.

    Each round joins fresh consumers (as `netra consume ... --until-idle` does), so a group join that
    came up without partitions on a loaded machine costs one round, not the test.
    """
    from consumers.loop import StopFlag
    from consumers.run import run_stage

    stop = StopFlag(install=False)
    errors: list[BaseException] = []

    def rounds():
        try:
            while not stop:
                for name in ("validator", "enricher", "sink"):
                    run_stage(name, pipeline, until_idle=2.0, stop=stop)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    thread = threading.Thread(target=rounds, daemon=True)
    thread.start()
    yield pipeline
    stop.stopped = True
    thread.join(timeout=120)
    assert not errors, errors


def _run_example(cmd: list[str], settings, source: str, cwd: Path) -> str:
    principal = {"bawaslu": "bawaslu", "bkpsdm": "bkpsdm"}[source.split(":", 1)[0]]  # as the upstream itself
    env = {**os.environ, "NETRA_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "NETRA_SOURCE": source,
           "NETRA_KAFKA_USERNAME": principal, "NETRA_KAFKA_PASSWORD": settings.kafka_password(principal),
           "NETRA_REJECT_TIMEOUT_S": "240"}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _landed(db, event_id: str) -> bool:
    with db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw.events WHERE event_id = %s", (event_id,))
        return cur.fetchone()[0] == 1


def _ids(out: str) -> tuple[str, str]:
    m = re.search(r"sent valid event (\S+) and invalid event (\S+)", out)
    assert m, out
    return m.group(1), m.group(2)


def _wait_landed(db, event_id: str) -> None:
    import time

    deadline = time.monotonic() + 60
    while not _landed(db, event_id):
        assert time.monotonic() < deadline, f"{event_id} did not land in raw.events"
        time.sleep(0.5)


def test_the_python_example_reads_its_region_reject_back(running_pipeline, db):
    out = _run_example([sys.executable, str(EXAMPLES / "python" / "producer.py")], running_pipeline,
                       "bawaslu:33.72", REPO)
    good, bad = _ids(out)
    assert f"reject for {bad} on rejects.bawaslu: region.unknown:payload.region_code" in out
    assert "Kemendagri" in out, "the reason's meaning is printed"
    _wait_landed(db, good)


def test_the_java_example_builds_and_reads_its_sanction_code_reject_back(running_pipeline, db):
    project = EXAMPLES / "java"
    build = ["mvn", "-q", "-B", "compile", "dependency:build-classpath", "-Dmdep.outputFile=target/classpath.txt"]
    # offline when ~/.m2 already holds everything (after the first run), else resolve from Maven Central
    if subprocess.run(build[:3] + ["-o"] + build[3:], cwd=project, capture_output=True).returncode != 0:
        done = subprocess.run(build, cwd=project, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    classpath = "target/classes" + os.pathsep + (project / "target" / "classpath.txt").read_text().strip()
    out = _run_example(["java", "-cp", classpath, "org.netra.examples.NetraProducer"], running_pipeline,
                       "bkpsdm:33.72", project)
    good, bad = _ids(out)
    assert f"reject for {bad} on rejects.bkpsdm: sanction.unknown_code:payload.sanction_code" in out
    _wait_landed(db, good)
