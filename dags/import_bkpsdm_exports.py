"""`import_bkpsdm_exports`: BKPSDM sanction spreadsheets in the inbox -> `sanction.imposed` events on `sanctions.raw`.

Every 15 minutes. Operators need to know:

- **Where to drop files**: `$NETRA_BKPSDM_INBOX`, default `$NETRA_HOME/inbox/bkpsdm/`
  (created on first run). `*.csv` (UTF-8, `;` or `,`) and `*.xlsx` (first sheet) are
  read, in name order; subfolders are not. A file is read once it is at least 60 s
  old, so a copy in progress is not read half-written. Start the file name with the
  Kemendagri region code (`33.72_hukdis_2024-12.xlsx`) to set the source
  (`bkpsdm:33.72`) and the default agency for rows without an Instansi.
- **Columns**: the SIASN disciplinary record names (`skNomor`, `nipBaru`,
  `jenisHukumanId`, `skTanggal`, `hukumanTanggal`, `akhirHukumanTanggal`,
  `alasanHukumanDisiplin`) or the usual Indonesian headers ("Nomor SK", "NIP", "Nama",
  "Jenis Hukuman", "Tanggal SK", "TMT Hukuman", "Akhir Hukuman", "Instansi",
  "Nomor Rekomendasi", "Alasan"); see `producers.bkpsdm_import.FIELD_ALIASES`.
- **Results**: each file is moved to `processed/` next to `<name>.result.csv`, one line
  per row: `sent` with its `event_id`, or `rejected` with reason codes and a plain
  explanation. A bad row never blocks the good ones. A file that cannot be read (not
  UTF-8, not a workbook, a required column missing) is not imported: it goes to
  `rejected/` (beside `processed/`) with a result file that says why; the run still
  succeeds. Fix the file and drop it in
  the inbox again: unchanged rows keep their event ids, so nothing is stored twice.
- **Retries**: if Kafka does not acknowledge the events, the task fails and the file
  stays in the inbox; the retry (or the next run) imports it again, idempotently.

The domain rules (NIP structure, sanction codes, dates not after the run's day in
WIB) are the validator's Great Expectations suite, run once per file, so the result
file already shows what the validator would reject. All logic lives in
`producers.bkpsdm_import`; `netra import-bkpsdm FILE...` runs the same code.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="import_bkpsdm_exports",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2018, 1, 1, tz="Asia/Jakarta"),
    catchup=False,
    is_paused_upon_creation=False,  # the schedule (and the asset watcher) runs without a click
    max_active_runs=1,  # two runs reading one inbox would race for the same files
    tags=["netra", "ingest", "bkpsdm"],
    doc_md=__doc__,
    default_args={"retries": 3, "retry_delay": pendulum.duration(minutes=2)},
)
def import_bkpsdm_exports():
    """Airflow DAG that imports the BKPSDM exports waiting in the inbox."""
    @task
    def import_inbox(data_interval_end=None, dag_run=None) -> dict:
        from netra import settings
        from netra.dag_dates import as_of_for_run
        from producers.bkpsdm_import import import_inbox as run_import

        return run_import(settings.load(), today=as_of_for_run(data_interval_end, dag_run), say=print)

    import_inbox()


import_bkpsdm_exports()
