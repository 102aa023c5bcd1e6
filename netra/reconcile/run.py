"""`netra reconcile` and the `reconcile_followthrough` DAG share this: raw -> core -> link -> classify -> mart.

Everything happens in one transaction, so analysts see either the previous marts or
the new ones, never a half-built state. Re-running with the same inputs and as-of
date yields identical marts. The SQL of each step is a file in
netra/warehouse/statements/reconcile/, run here by name in the order below; the text summary
for the terminal is netra/reconcile/summary.py.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from netra.reconcile import rules
from netra.warehouse.sql import statement

Say = Callable[[str], None]

#: Re-read events landed this long before the watermark when the open transactions that could still land older
#: events cannot be seen (reconcile/landed_since.sql): a transaction that committed late (ingested_at is its
#: start time) is not missed. Upserts make the overlap harmless, but not free: at 1,000 events/s it is 600,000
#: events read again, so a run normally starts at the oldest open writer instead.
WATERMARK_OVERLAP = "10 minutes"

#: The marts that write-audit-publish stages in mart_stage and copies into mart
#: (statements/reconcile/build_stage.sql and publish.sql, which name every column).
MART_TABLES = ("followthrough", "followthrough_summary", "followthrough_summary_public", "review_queue",
               "unlinked_sanctions")


class AuditFailed(RuntimeError):
    """The new marts failed the GX checkpoint: nothing was published; the previous marts stay."""

    def __init__(self, message: str, audit=None):
        super().__init__(message)
        self.audit = audit  # the AuditResult, whose expectation results are stored all the same


@dataclass
class ReconcileResult:
    """What one reconcile published: counts by status and link method, review, unlinked, out of scope."""

    as_of: date
    recommendations: int
    by_status: dict[str, int]
    by_link_method: dict[str, int]
    review: int = 0
    unlinked_sanctions: int = 0
    out_of_scope: int = 0
    new_events: int = 0
    data_docs: str | None = None


#: What the reconcile's checkpoint reads (reconcile/build_stage.sql or stage_changes.sql, and audit_views.sql):
#: the staged followthrough rows it audits, and only the ids in core those rows name.
AUDIT_TABLES = {"followthrough_table": "pg_temp.audit_followthrough", "sanctions_table": "pg_temp.audit_sanction_ids",
                "recommendations_table": "pg_temp.audit_recommendation_ids"}

#: work_mem for the reconcile transaction only (SET LOCAL): the DISTINCT ON sorts of the core
#: build and the mart aggregates over ~1M rows spill to disk at the default 4 MB.
RECONCILE_WORK_MEM = "512MB"
#: temp_buffers of the reconcile's own connection (it can only be set before a session's first temp table): the
#: temp tables of a full run (report winners, changed ids) stay in memory rather than in temp files.
RECONCILE_TEMP_BUFFERS = "256MB"


def _warm_auditor(auditor: Auditor) -> Callable[[], None]:
    """Let the auditor load what it needs (Great Expectations) in a thread while Postgres builds core and marts;
    returns what to call before the audit, which waits for that thread.

    The import is most of the audit's fixed cost in a fresh process (BENCHMARKS.md); the queries
    release the GIL, so the two overlap. The audit itself still runs after staging, and only once the thread
    is done: an import of a GX module in the audit while the thread is still importing GX can meet a partially
    initialised module (Python breaks the import-lock cycle that way) and fail with ImportError. An auditor
    without a `warm` attribute is simply called later.
    """
    import threading

    warm = getattr(auditor, "warm", None)
    if warm is None:
        return lambda: None

    def load() -> None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - the audit imports it again and reports any error there
            pass

    thread = threading.Thread(target=load, name="netra-gx-preload", daemon=True)
    thread.start()
    return thread.join


#: Audits marts in the caller's transaction: auditor(conn, docs_dir=..., run_name=..., staged=bool, tables=...,
#: followthrough_rows=...) returns an object with .success, .failures, .docs_index and .records (one plain row
#: per expectation); `tables` names the relations to read, `followthrough_rows` the whole table's rows. Callers
#: pass expectations' GX checkpoints (expectations.warehouse_audit.audit_marts_in_db); reconcile never
#: imports the layer above it.
Auditor = Callable[..., Any]


def reconcile(conn, as_of: date, sla_days: int, say: Say = lambda _m: None, *, auditor: Auditor,
              full: bool = False, small_cell_k: int = 5, docs_dir=None,
              window_days: int = rules.DEFAULT_LINK_WINDOW_DAYS,
              neutrality: str = rules.DEFAULT_NEUTRALITY_REASON) -> ReconcileResult:
    """Incremental core -> link -> stage marts -> GX checkpoint -> publish, all in ONE transaction.

    A failed checkpoint raises AuditFailed and rolls everything back: the previous marts stay. Either way
    the audit's expectation results are stored in mart.quality_results (for the report's data-quality
    section): with the published marts, or after the rollback in a transaction of their own.
    """
    try:
        return _reconcile(conn, as_of, sla_days, say, auditor=auditor, full=full, small_cell_k=small_cell_k,
                          docs_dir=docs_dir, window_days=window_days, neutrality=neutrality)
    except AuditFailed as error:
        if error.audit is not None:  # after the rollback: a failed audit is what readers most need to see
            with conn, conn.cursor() as cur:
                _store_audit(cur, error.audit, "reconcile", as_of, published=False)
        raise


def _store_audit(cur, audit, kind: str, as_of: date | None, *, published: bool | None) -> None:
    from netra.reconcile.quality import store_audit

    run_name = f"reconcile-{as_of}" if kind == "reconcile" else "check_warehouse_quality"
    store_audit(cur, audit.records, kind=kind, run_name=run_name, as_of=as_of,
                published=published)


def _reconcile(conn, as_of: date, sla_days: int, say: Say, *, auditor: Auditor, full: bool, small_cell_k: int,
               docs_dir, window_days: int, neutrality: str) -> ReconcileResult:
    from netra.reconcile import relink

    preloaded = _warm_auditor(auditor)
    k = max(small_cell_k, 1)
    link_settings = relink.link_settings(window_days, neutrality)
    marts_settings = json.dumps({"as_of": as_of.isoformat(), "sla_days": sla_days, "k": k}, sort_keys=True)
    with conn:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(8241002)")  # one reconcile at a time
            cur.execute("SET LOCAL work_mem = %s", (RECONCILE_WORK_MEM,))
            # the delta-sized lookups of an incremental run read by key; core is in memory, not on a slow disk
            cur.execute("SET LOCAL random_page_cost = 1.1")
            if full:
                cur.execute(statement("reconcile/reset_core"))
            cur.execute(statement("reconcile/watermark"), {"overlap": WATERMARK_OVERLAP})
            state = cur.fetchone()
            watermark, since, last_links, last_marts = state or ("-infinity", "-infinity", None, None)
            cur.execute(statement("reconcile/landed_since"), {"watermark": watermark,
                                                              "overlap": WATERMARK_OVERLAP})
            new_watermark, new_events, read_from = cur.fetchone()
            # never reconciled (or --full): core is empty, every event is new; read them where they are
            full_core = full or state is None
            if full_core:
                say(f"reconcile as of {as_of}: {new_events} events since the watermark into core (a full rebuild)")
                cur.execute(statement("reconcile/new_events_all"))
            else:
                cur.execute(statement("reconcile/new_events_since"), {"since": since})
                cur.execute(statement("reconcile/count_new_events"))
                say(f"reconcile as of {as_of}: {new_events} events since the watermark into core "
                    f"({cur.fetchone()[0]} read)")
                cur.execute(statement("reconcile/snapshot_link_inputs"))
                cur.execute(statement("reconcile/snapshot_summary_inputs"), {"as_of": as_of})
            if full_core:  # emptied core: its secondary indexes are built once after the inserts, not row by row
                cur.execute(statement("reconcile/defer_core_indexes"))
            cur.execute(statement("reconcile/build_core"))
            if full_core:
                cur.execute(statement("reconcile/restore_core_indexes"))
                cur.execute(statement("reconcile/drop_new_events_view"))
                cur.execute(statement("reconcile/analyze_core"))
            full_links = full_core or last_links != link_settings
            step = relink.relink(conn, cur, full=full_links, window_days=window_days, neutrality=neutrality)
            say(f"  links: {step.links}, review queue: {step.review}, out of scope: {step.out_of_scope}"
                + ("" if step.full else f" (steps 1-2 re-run for {step.group[0]} recommendations and "
                   f"{step.group[1]} sanctions, the fuzzy step for {step.component[0]} x {step.component[1]})"))
            full_marts = full_links or last_marts != marts_settings
            params = {"as_of": as_of, "sla": sla_days, "k": k}
            followthrough_rows = None  # a full build audits the whole table
            if full_marts:
                cur.execute(statement("reconcile/build_stage"), params)
                cur.execute(statement("reconcile/stage_summary"), params)
            else:
                cur.execute(statement("reconcile/mart_changes"))
                only = [row[0] for row in cur.fetchall()]
                cur.execute(statement("reconcile/stage_changes"), params | {"only": only})
                cur.execute(statement("reconcile/stage_summary_changes"), params)
                cur.execute(statement("reconcile/count_followthrough_after"))
                followthrough_rows = cur.fetchone()[0]
            cur.execute(statement("reconcile/stage_other_marts"), params)
            if full_marts:
                cur.execute(statement("reconcile/stage_unlinked"), params)
            else:
                cur.execute(statement("reconcile/stage_unlinked_changes"), params)
            cur.execute(statement("reconcile/audit_views"))
            preloaded()
            audit = auditor(conn, docs_dir=docs_dir, run_name=f"reconcile-{as_of.isoformat()}", staged=True,
                            tables=AUDIT_TABLES, followthrough_rows=followthrough_rows)
            cur.execute(statement("reconcile/drop_audit_views"))
            docs = str(audit.docs_index) if audit.docs_index else None
            if not audit.success:
                raise AuditFailed("the new marts failed the GX checkpoint; nothing was published:\n  "
                                  + "\n  ".join(audit.failures) + (f"\nData Docs: {docs}" if docs else ""),
                                  audit=audit)
            say("  GX checkpoint passed; publishing marts"
                + ("" if full_marts else " (the followthrough rows that changed)"))
            if full_marts:
                cur.execute(statement("reconcile/publish"))
            else:
                cur.execute(statement("reconcile/publish_changes"))
            cur.execute(statement("reconcile/publish_other_marts"))
            if full_marts:
                cur.execute(statement("reconcile/publish_unlinked"))
            else:
                cur.execute(statement("reconcile/publish_unlinked_changes"))
            _store_audit(cur, audit, "reconcile", as_of, published=True)
            cur.execute(statement("reconcile/save_state"), {"watermark": new_watermark, "sla": sla_days,
                                                            "as_of": as_of, "link_settings": link_settings,
                                                            "read_from": read_from,
                                                            "marts_settings": marts_settings})
            cur.execute(statement("reconcile/count_by_status"))
            by_status = dict.fromkeys(rules.STATUSES, 0)
            by_method: dict[str, int] = {}
            for status, method, n in cur.fetchall():
                by_status[status] = by_status.get(status, 0) + n
                if method is not None:
                    by_method[method] = by_method.get(method, 0) + n
            cur.execute(statement("reconcile/count_review_unlinked"))
            review, unlinked = cur.fetchone()
            cur.execute(statement("reconcile/count_out_of_scope"), {"as_of": as_of})
            out_of_scope = cur.fetchone()[0]
    return ReconcileResult(as_of, sum(by_status.values()), by_status, by_method, review, unlinked, out_of_scope,
                           new_events, docs)


def run_reconcile(as_of: date, say: Say = lambda _m: None, *, auditor: Auditor, full: bool = False,
                  publish_alerts: bool = False, triggered_by: str = "command") -> ReconcileResult:
    """Settings -> connection -> reconcile (-> overdue alerts); what both `netra reconcile` and the DAG call."""
    from netra.reconcile.history import recorded
    from netra.settings import load
    from netra.warehouse.db import connect, migrate

    s = load()
    conn = connect(s, options=f"-c temp_buffers={RECONCILE_TEMP_BUFFERS}")
    try:
        migrate(conn, say)  # as netra_pipeline a check only: stops with "run `netra db migrate`" if behind
        with recorded(conn, as_of, triggered_by) as record:
            result = reconcile(conn, as_of, s.ppk_sla_days, say, auditor=auditor, full=full,
                               small_cell_k=s.small_cell_k, docs_dir=s.home / "data_docs",
                               window_days=s.link_window_days, neutrality=s.neutrality_reason)
            record.new_events = result.new_events
        if publish_alerts:
            from netra.reconcile.alerts import publish_for_run

            publish_for_run(as_of.isoformat(), say=lambda m: say("  " + m))
        return result
    finally:
        conn.close()


def check_published_marts(docs_dir, say: Say = lambda _m: None, *, auditor: Auditor):
    """Daily: audit the marts analysts are reading now with the same GX suites; Data Docs to docs_dir."""
    from netra.settings import load
    from netra.warehouse.db import connect

    conn = connect(load())
    try:
        with conn:
            audit = auditor(conn, docs_dir=docs_dir, run_name="check_warehouse_quality", staged=False)
            with conn.cursor() as cur:
                cur.execute("SELECT max(as_of) FROM mart.followthrough")
                as_of = cur.fetchone()[0]
        with conn, conn.cursor() as cur:  # stored for the report, pass or fail
            _store_audit(cur, audit, "check", as_of, published=None)
    finally:
        conn.close()
    say(f"mart audit: {'passed' if audit.success else 'FAILED'}; Data Docs: {audit.docs_index}")
    if not audit.success:
        raise AuditFailed("the published marts fail their expectations:\n  " + "\n  ".join(audit.failures))
    return audit
