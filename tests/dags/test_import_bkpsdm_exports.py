"""import_bkpsdm_exports: the DAG parses, never overlaps itself, and imports an inbox file through real Kafka.

dag.test() runs the import end to end.
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime

from support import REPO

DATA = REPO / "tests" / "data" / "bkpsdm"
CSV_NAME = "33.72_hukdis_2024-12.csv"


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}, f"DAG import errors: {bag.import_errors}"
    return bag.get_dag("import_bkpsdm_exports")


def test_dagbag_has_the_import_dag_without_errors():
    dag = _dag()
    assert dag is not None, "import_bkpsdm_exports is in the dags folder"
    assert dag.max_active_runs == 1, "two runs never read the same inbox at once"
    assert not dag.catchup
    assert {t.task_id for t in dag.tasks} == {"import_inbox"}
    assert "Where to drop files" in (dag.doc_md or ""), "the operator documentation is shown in the UI"


def test_dag_test_imports_the_inbox(airflow_db, stack_settings, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / CSV_NAME
    shutil.copy(DATA / CSV_NAME, path)
    os.utime(path, (0, 1_700_000_000))  # old enough for the "still being copied?" guard
    monkeypatch.setenv("NETRA_BKPSDM_INBOX", str(inbox))

    dag = _dag()
    dag_run = dag.test(logical_date=datetime.fromisoformat("2024-12-20T12:00:00+07:00"))
    assert dag_run.state == "success", dag_run.state
    assert [(ti.task_id, ti.state) for ti in dag_run.get_task_instances()] == [("import_inbox", "success")]
    assert not path.exists()
    assert (inbox / "processed" / CSV_NAME).exists()
    result = (inbox / "processed" / f"{CSV_NAME}.result.csv").read_text(encoding="utf-8-sig")
    assert result.count(",sent,") == 3 and result.count(",rejected,") == 3
