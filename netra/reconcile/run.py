"""`netra reconcile` and the `reconcile_followthrough` DAG share this: raw -> core -> link -> classify -> mart.

Everything happens in one transaction, so analysts see either the previous marts or
the new ones, never a half-built state. Re-running with the same inputs and as-of
date yields identical marts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from netra.contracts.vocabulary import today_wib
from netra.reconcile import rules

Say = Callable[[str], None]

#: Re-read events landed this long before the watermark: a transaction that committed late
#: (ingested_at is its start time) is not missed. Upserts make the overlap harmless.
WATERMARK_OVERLAP = "10 minutes"

# Incremental: only events ingested since the watermark are read; for each business id the
# latest event wins (occurred_at, then event_id, so ties are deterministic), also against
# what core already holds.
_NEWER = "({t}.occurred_at IS NULL OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > ({t}.occurred_at, {t}.event_id))"
BUILD_CORE = f"""
CREATE TEMP TABLE new_events ON COMMIT DROP AS
SELECT * FROM raw.events WHERE ingested_at > %(since)s;
-- a temp table has no statistics until analysed: without them the planner guesses its size
ANALYZE new_events;

CREATE TEMP TABLE changed_reports (report_id text PRIMARY KEY) ON COMMIT DROP;
WITH up AS (
    INSERT INTO core.reports (report_id, kind, election_id, region_code, province_code, filed_on, category,
                              event_id, occurred_at)
    SELECT DISTINCT ON (payload->>'report_id')
           payload->>'report_id', payload->>'kind', payload->>'election_id', payload->>'region_code',
           split_part(payload->>'region_code', '.', 1), (payload->>'filed_on')::date, payload->>'category',
           event_id, occurred_at
    FROM new_events WHERE event_type = 'report.filed'
    ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC
    ON CONFLICT (report_id) DO UPDATE SET kind = EXCLUDED.kind, election_id = EXCLUDED.election_id,
        region_code = EXCLUDED.region_code, province_code = EXCLUDED.province_code, filed_on = EXCLUDED.filed_on,
        category = EXCLUDED.category, event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
    WHERE {_NEWER.format(t="core.reports")}
    RETURNING report_id
)
INSERT INTO changed_reports SELECT report_id FROM up;

DELETE FROM core.subjects WHERE report_id IN (SELECT report_id FROM changed_reports);
INSERT INTO core.subjects (report_id, ordinal, nip, asn_key, name, agency)
SELECT r.report_id, s.ord::int, s.subject->>'nip', e.enrichment->'subjects'->((s.ord - 1)::int)->>'asn_key',
       s.subject->>'name', s.subject->>'agency'
FROM core.reports r
JOIN changed_reports USING (report_id)
JOIN raw.events e ON e.event_id = r.event_id
CROSS JOIN LATERAL jsonb_array_elements(e.payload->'subjects') WITH ORDINALITY AS s(subject, ord);

INSERT INTO core.decisions (report_id, decision, decided_on, proven_nips, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'report_id')
       payload->>'report_id', payload->>'decision', (payload->>'decided_on')::date,
       ARRAY(SELECT jsonb_array_elements_text(payload->'proven_nips')), event_id, occurred_at
FROM new_events WHERE event_type = 'report.decided'
ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC
ON CONFLICT (report_id) DO UPDATE SET decision = EXCLUDED.decision, decided_on = EXCLUDED.decided_on,
    proven_nips = EXCLUDED.proven_nips, event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE {_NEWER.format(t="core.decisions")};

INSERT INTO core.recommendations (recommendation_id, report_id, nip, asn_key, issuer, level, sanction_code,
                                  ppk_agency, issued_on, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'recommendation_id')
       payload->>'recommendation_id', payload->>'report_id', payload->>'nip', enrichment->'asn'->>'asn_key',
       payload->>'issuer', payload->>'level', (payload->>'sanction_code')::int, payload->>'ppk_agency',
       (payload->>'issued_on')::date, event_id, occurred_at
FROM new_events WHERE event_type = 'recommendation.issued'
ORDER BY payload->>'recommendation_id', occurred_at DESC, event_id DESC
ON CONFLICT (recommendation_id) DO UPDATE SET report_id = EXCLUDED.report_id, nip = EXCLUDED.nip,
    asn_key = EXCLUDED.asn_key, issuer = EXCLUDED.issuer, level = EXCLUDED.level,
    sanction_code = EXCLUDED.sanction_code, ppk_agency = EXCLUDED.ppk_agency, issued_on = EXCLUDED.issued_on,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE {_NEWER.format(t="core.recommendations")};

INSERT INTO core.recommendation_closures (recommendation_id, reason, closed_on, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'recommendation_id')
       payload->>'recommendation_id', payload->>'reason', (payload->>'closed_on')::date, event_id, occurred_at
FROM new_events WHERE event_type = 'recommendation.closed'
ORDER BY payload->>'recommendation_id', occurred_at DESC, event_id DESC
ON CONFLICT (recommendation_id) DO UPDATE SET reason = EXCLUDED.reason, closed_on = EXCLUDED.closed_on,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE {_NEWER.format(t="core.recommendation_closures")};

INSERT INTO core.sanctions (sanction_id, nip, name, agency, sanction_code, sanction_level, decree_date,
                            effective_from, effective_to, recommendation_ref, event_id, occurred_at, asn_key, reason)
SELECT DISTINCT ON (e.payload->>'sanction_id')
       e.payload->>'sanction_id', e.payload->>'nip', e.payload->>'name', e.payload->>'agency',
       (e.payload->>'sanction_code')::int, st.level, (e.payload->>'decree_date')::date,
       (e.payload->>'effective_from')::date, (e.payload->>'effective_to')::date,
       e.payload->>'recommendation_ref', e.event_id, e.occurred_at, e.enrichment->'asn'->>'asn_key',
       e.payload->>'reason'
FROM new_events e
LEFT JOIN ref.sanction_types st ON st.code = (e.payload->>'sanction_code')::int
WHERE e.event_type = 'sanction.imposed'
ORDER BY e.payload->>'sanction_id', e.occurred_at DESC, e.event_id DESC
ON CONFLICT (sanction_id) DO UPDATE SET nip = EXCLUDED.nip, name = EXCLUDED.name, agency = EXCLUDED.agency,
    sanction_code = EXCLUDED.sanction_code, sanction_level = EXCLUDED.sanction_level,
    decree_date = EXCLUDED.decree_date, effective_from = EXCLUDED.effective_from,
    effective_to = EXCLUDED.effective_to, recommendation_ref = EXCLUDED.recommendation_ref,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at, asn_key = EXCLUDED.asn_key,
    reason = EXCLUDED.reason
WHERE {_NEWER.format(t="core.sanctions")};

INSERT INTO core.sanction_revocations (sanction_id, revoked_on, reason, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'sanction_id')
       payload->>'sanction_id', (payload->>'revoked_on')::date, payload->>'reason', event_id, occurred_at
FROM new_events WHERE event_type = 'sanction.revoked'
ORDER BY payload->>'sanction_id', occurred_at DESC, event_id DESC
ON CONFLICT (sanction_id) DO UPDATE SET revoked_on = EXCLUDED.revoked_on, reason = EXCLUDED.reason,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE {_NEWER.format(t="core.sanction_revocations")};
"""

CORE_TABLES = ("core.reports", "core.subjects", "core.decisions", "core.recommendations",
               "core.recommendation_closures", "core.sanctions", "core.sanction_revocations", "core.links",
               "core.review_queue", "core.out_of_scope")

# New marts are written to mart_stage, audited, then copied into mart (write-audit-publish).
BUILD_STAGE = """
TRUNCATE mart_stage.followthrough, mart_stage.followthrough_summary, mart_stage.review_queue,
         mart_stage.unlinked_sanctions, mart_stage.followthrough_summary_public;

INSERT INTO mart_stage.followthrough
SELECT f.*, %(as_of)s FROM core.recommendation_status_as_of(%(as_of)s, %(sla)s) f;

INSERT INTO mart_stage.followthrough_summary
SELECT f.*, %(as_of)s FROM mart.followthrough_as_of(%(as_of)s, %(sla)s) f;

-- small cells (1 .. k-1) are suppressed in the public copy. The five status columns add up
-- to `recommended`, so when any of them is hidden `recommended` (and the rate) is hidden too:
-- otherwise the hidden cell could be recovered by subtraction.
INSERT INTO mart_stage.followthrough_summary_public
WITH flagged AS (
    SELECT *,
           sanctioned BETWEEN 1 AND %(k)s - 1 OR revoked BETWEEN 1 AND %(k)s - 1
           OR pending BETWEEN 1 AND %(k)s - 1 OR overdue BETWEEN 1 AND %(k)s - 1
           OR closed BETWEEN 1 AND %(k)s - 1 OR recommended BETWEEN 1 AND %(k)s - 1 AS status_hidden
    FROM mart_stage.followthrough_summary
)
SELECT election_id, province_code, region_code,
       CASE WHEN reported_asn BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE reported_asn END,
       CASE WHEN proven_asn BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE proven_asn END,
       CASE WHEN status_hidden THEN NULL ELSE recommended END,
       CASE WHEN sanctioned BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE sanctioned END,
       CASE WHEN revoked BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE revoked END,
       CASE WHEN pending BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE pending END,
       CASE WHEN overdue BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE overdue END,
       CASE WHEN closed BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE closed END,
       CASE WHEN status_hidden THEN NULL ELSE followthrough_rate END,
       CASE WHEN sanctioned BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE median_days_to_sanction END,
       as_of,
       status_hidden OR reported_asn BETWEEN 1 AND %(k)s - 1 OR proven_asn BETWEEN 1 AND %(k)s - 1
FROM flagged;

INSERT INTO mart_stage.review_queue
SELECT q.recommendation_id, q.sanction_id, q.score, q.reasons, r.asn_key, s.asn_key, r.ppk_agency, s.agency,
       r.issued_on, s.decree_date, %(as_of)s
FROM core.review_queue q
JOIN core.recommendations r USING (recommendation_id)
JOIN core.sanctions s USING (sanction_id)
WHERE r.issued_on <= %(as_of)s AND s.decree_date <= %(as_of)s;

INSERT INTO mart_stage.unlinked_sanctions
SELECT s.sanction_id, s.asn_key, s.agency, s.sanction_code, s.sanction_level, s.decree_date, rv.revoked_on,
       s.nip IS NOT NULL, s.recommendation_ref IS NOT NULL, %(as_of)s
FROM core.sanctions s
LEFT JOIN core.sanction_revocations rv ON rv.sanction_id = s.sanction_id AND rv.revoked_on <= %(as_of)s
WHERE s.decree_date <= %(as_of)s
  AND NOT EXISTS (SELECT 1 FROM core.links l WHERE l.sanction_id = s.sanction_id)
  AND NOT EXISTS (SELECT 1 FROM core.review_queue q WHERE q.sanction_id = s.sanction_id)
  AND NOT EXISTS (SELECT 1 FROM core.out_of_scope o WHERE o.sanction_id = s.sanction_id);
"""

MART_TABLES = ("followthrough", "followthrough_summary", "followthrough_summary_public", "review_queue",
               "unlinked_sanctions")
# DELETE rather than TRUNCATE: MVCC-safe for analysts' open snapshots, and no ACCESS EXCLUSIVE lock
PUBLISH = "".join(f"DELETE FROM mart.{t}; INSERT INTO mart.{t} SELECT * FROM mart_stage.{t};\n" for t in MART_TABLES)


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


#: work_mem for the reconcile transaction only (SET LOCAL): the DISTINCT ON sorts of the core
#: build and the mart aggregates over ~1M rows spill to disk at the default 4 MB.
RECONCILE_WORK_MEM = "256MB"
#: Rows per INSERT statement when storing links, review pairs and out-of-scope ids
#: (psycopg2's default page of 100 makes 10,000 statements for a million links).
LINK_PAGE_SIZE = 10_000


def _warm_auditor(auditor: Auditor) -> None:
    """Let the auditor load what it needs (Great Expectations) in a thread while Postgres builds core and marts.

    The import is most of the audit's fixed cost in a fresh process (BENCHMARKS.md); the queries
    release the GIL, so the two overlap. The audit itself still runs after staging. An auditor
    without a `warm` attribute is simply called later.
    """
    import threading

    warm = getattr(auditor, "warm", None)
    if warm is None:
        return

    def load() -> None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - the audit imports it again and reports any error there
            pass

    threading.Thread(target=load, name="netra-gx-preload", daemon=True).start()


def _links_input(cur):
    """All recommendations (with the subject's name) and sanctions in core, for the link ladder."""
    cur.execute(
        "SELECT r.recommendation_id, r.nip, r.issued_on, "
        "       (SELECT s.name FROM core.subjects s WHERE s.report_id = r.report_id AND s.nip = r.nip "
        "        ORDER BY s.ordinal LIMIT 1), r.ppk_agency "
        "FROM core.recommendations r")
    recs = [rules.Recommendation(*row) for row in cur.fetchall()]
    cur.execute("SELECT sanction_id, nip, decree_date, recommendation_ref, name, agency, reason FROM core.sanctions")
    sans = [rules.Sanction(*row) for row in cur.fetchall()]
    return recs, sans


def link_sanctions(cur, *, window_days: int = rules.DEFAULT_LINK_WINDOW_DAYS,
                   neutrality: str = rules.DEFAULT_NEUTRALITY_REASON) -> rules.LinkResult:
    """Run the link ladder over everything in core; store core.links, core.review_queue, core.out_of_scope.

    Links use all that is known now (the best knowledge); as-of figures then count a linked
    sanction only from its decree date on.
    """
    from psycopg2.extras import execute_values

    recs, sans = _links_input(cur)
    result = rules.reconcile_links(recs, sans, window_days=window_days, neutrality=neutrality)
    cur.execute("TRUNCATE core.links, core.review_queue, core.out_of_scope")
    if result.out_of_scope:
        execute_values(cur, "INSERT INTO core.out_of_scope (sanction_id) VALUES %s",
                       [(sid,) for sid in result.out_of_scope], page_size=LINK_PAGE_SIZE)
    if result.links:
        execute_values(cur, "INSERT INTO core.links (recommendation_id, sanction_id, link_method, link_score) "
                            "VALUES %s", [(ln.recommendation_id, ln.sanction_id, ln.method, ln.score)
                                          for ln in result.links.values()], page_size=LINK_PAGE_SIZE)
    if result.review:
        execute_values(cur, "INSERT INTO core.review_queue (recommendation_id, sanction_id, score, reasons) "
                            "VALUES %s", [(r.recommendation_id, r.sanction_id, r.score, list(r.reasons))
                                          for r in result.review], page_size=LINK_PAGE_SIZE)
    return result


#: Audits marts in the caller's transaction: auditor(conn, docs_dir=..., run_name=..., staged=bool) returns
#: an object with .success, .failures, .docs_index and .records (one plain row per expectation). Callers
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
    _warm_auditor(auditor)
    with conn:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(8241002)")  # one reconcile at a time
            cur.execute("SET LOCAL work_mem = %s", (RECONCILE_WORK_MEM,))
            if full:
                cur.execute("TRUNCATE " + ", ".join(CORE_TABLES) + "; DELETE FROM core.reconcile_state")
            cur.execute("SELECT watermark, watermark - interval %s FROM core.reconcile_state WHERE id = 1",
                        (WATERMARK_OVERLAP,))
            watermark, since = cur.fetchone() or ("-infinity", "-infinity")
            # two index scans on raw.events(ingested_at) (migration 0023), not a pass over all events
            cur.execute("SELECT coalesce((SELECT max(ingested_at) FROM raw.events), '-infinity'), "
                        "(SELECT count(*) FROM raw.events WHERE ingested_at > %s)", (watermark,))
            new_watermark, new_events = cur.fetchone()
            say(f"reconcile as of {as_of}: {new_events} events since the watermark into core")
            cur.execute(BUILD_CORE, {"since": since})
            result = link_sanctions(cur, window_days=window_days, neutrality=neutrality)
            say(f"  links: {len(result.links)}, review queue: {len(result.review)}, "
                f"unlinked sanctions: {len(result.unlinked_sanctions)}, out of scope: {len(result.out_of_scope)}")
            cur.execute(BUILD_STAGE, {"as_of": as_of, "sla": sla_days, "k": max(small_cell_k, 1)})
            audit = auditor(conn, docs_dir=docs_dir, run_name=f"reconcile-{as_of.isoformat()}", staged=True)
            docs = str(audit.docs_index) if audit.docs_index else None
            if not audit.success:
                raise AuditFailed("the new marts failed the GX checkpoint; nothing was published:\n  "
                                  + "\n  ".join(audit.failures) + (f"\nData Docs: {docs}" if docs else ""),
                                  audit=audit)
            say("  GX checkpoint passed; publishing marts")
            cur.execute(PUBLISH)
            _store_audit(cur, audit, "reconcile", as_of, published=True)
            cur.execute(
                "INSERT INTO core.reconcile_state (id, watermark, sla_days, last_as_of) VALUES (1, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET watermark = greatest(core.reconcile_state.watermark, "
                "EXCLUDED.watermark), sla_days = EXCLUDED.sla_days, last_as_of = EXCLUDED.last_as_of, "
                "updated_at = now()", (new_watermark, sla_days, as_of))
            cur.execute("SELECT status, count(*) FROM mart.followthrough GROUP BY 1")
            by_status = {st: 0 for st in rules.STATUSES} | dict(cur.fetchall())
            cur.execute("SELECT link_method, count(*) FROM mart.followthrough WHERE link_method IS NOT NULL "
                        "GROUP BY 1")
            by_method = dict(cur.fetchall())
            cur.execute("SELECT (SELECT count(*) FROM mart.review_queue), "
                        "(SELECT count(*) FROM mart.unlinked_sanctions)")
            review, unlinked = cur.fetchone()
            cur.execute("SELECT count(*) FROM core.out_of_scope o JOIN core.sanctions s USING (sanction_id) "
                        "WHERE s.decree_date <= %s", (as_of,))
            out_of_scope = cur.fetchone()[0]
    return ReconcileResult(as_of, sum(by_status.values()), by_status, by_method, review, unlinked, out_of_scope,
                           new_events, docs)


def election_totals(cur) -> list[tuple]:
    """mart.followthrough_summary summed per election (the terminal summary and the report use it)."""
    cur.execute("SELECT election_id, sum(reported_asn), sum(proven_asn), sum(recommended), sum(sanctioned), "
                "sum(revoked), sum(pending), sum(overdue), sum(closed), "
                "round(sum(sanctioned)::numeric / nullif(sum(recommended), 0), 4) "
                "FROM mart.followthrough_summary GROUP BY election_id ORDER BY election_id")
    return cur.fetchall()


def summary_table(conn) -> str:
    """The follow-through summary per election, as a small text table for the terminal."""
    with conn:
        with conn.cursor() as cur:
            rows = election_totals(cur)
            cur.execute("SELECT max(as_of) FROM mart.followthrough_summary")
            as_of = cur.fetchone()[0]
    from netra.text import render_table

    head = ("election", "reported", "proven", "recommended", "sanctioned", "revoked", "pending", "overdue",
            "closed", "rate")
    return (f"follow-through as of {as_of} (mart.followthrough_summary, summed per election)\n"
            + render_table(head, rows))



def run_reconcile(as_of: date, say: Say = lambda _m: None, *, auditor: Auditor, full: bool = False,
                  publish_alerts: bool = False, triggered_by: str = "command") -> ReconcileResult:
    """Settings -> connection -> reconcile (-> overdue alerts); what both `netra reconcile` and the DAG call."""
    from netra.reconcile.history import recorded
    from netra.settings import load
    from netra.warehouse.db import connect, migrate

    s = load()
    conn = connect(s)
    try:
        migrate(conn, say)  # cheap when up to date; a fresh warehouse gets its schema
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


def wait_for_triggering_events(triggering_asset_events, say: Say = lambda _m: None) -> list[str]:
    """An event-driven run: wait (bounded) until the sanctions/recommendations that triggered it have landed."""
    from netra.reconcile.watch import event_ids_from_asset_events, wait_until_landed
    from netra.settings import load
    from netra.warehouse.db import connect

    ids = event_ids_from_asset_events(triggering_asset_events)
    if not ids:
        return []
    say(f"triggered by {len(ids)} new sanction/recommendation event(s); waiting until they have landed")
    conn = connect(load())
    try:
        return wait_until_landed(conn, ids, say=say)
    finally:
        conn.close()


def as_of_for_run(data_interval_end=None, dag_run=None) -> date:
    """The business day a DAG run reconciles: its data interval end (or run_after for manual runs), in WIB."""
    import pendulum

    moment = data_interval_end or getattr(dag_run, "run_after", None) or getattr(dag_run, "logical_date", None)
    if moment is None:
        raise ValueError("the run has neither a data interval end nor a run_after time")
    return today_wib(pendulum.instance(moment))


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
