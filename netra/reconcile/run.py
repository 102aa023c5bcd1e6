"""`netra reconcile` and the `reconcile_followthrough` DAG share this: raw -> core -> link -> classify -> mart.

Everything happens in one transaction, so analysts see either the previous marts or
the new ones, never a half-built state. Re-running with the same inputs and as-of
date yields identical marts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from netra.reconcile import rules

Say = Callable[[str], None]

# Latest event per business id wins (occurred_at, then event_id, so ties are deterministic).
BUILD_CORE = """
TRUNCATE core.reports, core.subjects, core.decisions, core.recommendations,
         core.recommendation_closures, core.sanctions, core.sanction_revocations, core.links;

INSERT INTO core.reports (report_id, kind, election_id, region_code, province_code, filed_on, category, event_id)
SELECT DISTINCT ON (payload->>'report_id')
       payload->>'report_id', payload->>'kind', payload->>'election_id', payload->>'region_code',
       split_part(payload->>'region_code', '.', 1), (payload->>'filed_on')::date, payload->>'category', event_id
FROM raw.events WHERE event_type = 'report.filed'
ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC;

INSERT INTO core.subjects (report_id, ordinal, nip, asn_key, name, agency)
SELECT r.report_id, s.ord::int, s.subject->>'nip', e.enrichment->'subjects'->((s.ord - 1)::int)->>'asn_key',
       s.subject->>'name', s.subject->>'agency'
FROM core.reports r
JOIN raw.events e ON e.event_id = r.event_id
CROSS JOIN LATERAL jsonb_array_elements(e.payload->'subjects') WITH ORDINALITY AS s(subject, ord);

INSERT INTO core.decisions (report_id, decision, decided_on, proven_nips, event_id)
SELECT DISTINCT ON (payload->>'report_id')
       payload->>'report_id', payload->>'decision', (payload->>'decided_on')::date,
       ARRAY(SELECT jsonb_array_elements_text(payload->'proven_nips')), event_id
FROM raw.events WHERE event_type = 'report.decided'
ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC;

INSERT INTO core.recommendations (recommendation_id, report_id, nip, asn_key, issuer, level, sanction_code,
                                  ppk_agency, issued_on, event_id)
SELECT DISTINCT ON (payload->>'recommendation_id')
       payload->>'recommendation_id', payload->>'report_id', payload->>'nip', enrichment->'asn'->>'asn_key',
       payload->>'issuer', payload->>'level', (payload->>'sanction_code')::int, payload->>'ppk_agency',
       (payload->>'issued_on')::date, event_id
FROM raw.events WHERE event_type = 'recommendation.issued'
ORDER BY payload->>'recommendation_id', occurred_at DESC, event_id DESC;

INSERT INTO core.recommendation_closures (recommendation_id, reason, closed_on)
SELECT DISTINCT ON (payload->>'recommendation_id')
       payload->>'recommendation_id', payload->>'reason', (payload->>'closed_on')::date
FROM raw.events WHERE event_type = 'recommendation.closed'
ORDER BY payload->>'recommendation_id', occurred_at DESC, event_id DESC;

INSERT INTO core.sanctions (sanction_id, nip, name, agency, sanction_code, sanction_level, decree_date,
                            effective_from, effective_to, recommendation_ref, event_id)
SELECT DISTINCT ON (e.payload->>'sanction_id')
       e.payload->>'sanction_id', e.payload->>'nip', e.payload->>'name', e.payload->>'agency',
       (e.payload->>'sanction_code')::int, st.level, (e.payload->>'decree_date')::date,
       (e.payload->>'effective_from')::date, (e.payload->>'effective_to')::date,
       e.payload->>'recommendation_ref', e.event_id
FROM raw.events e
LEFT JOIN ref.sanction_types st ON st.code = (e.payload->>'sanction_code')::int
WHERE e.event_type = 'sanction.imposed'
ORDER BY e.payload->>'sanction_id', e.occurred_at DESC, e.event_id DESC;

INSERT INTO core.sanction_revocations (sanction_id, revoked_on, reason)
SELECT DISTINCT ON (payload->>'sanction_id')
       payload->>'sanction_id', (payload->>'revoked_on')::date, payload->>'reason'
FROM raw.events WHERE event_type = 'sanction.revoked'
ORDER BY payload->>'sanction_id', occurred_at DESC, event_id DESC;
"""

BUILD_SUMMARY = """
TRUNCATE mart.followthrough_summary;
WITH rep AS (
    SELECT * FROM core.reports WHERE filed_on <= %(as_of)s
), reported AS (
    SELECT r.election_id, r.province_code, r.region_code, count(*) AS n
    FROM core.subjects s JOIN rep r USING (report_id) GROUP BY 1, 2, 3
), proven AS (
    SELECT r.election_id, r.province_code, r.region_code, sum(cardinality(d.proven_nips)) AS n
    FROM core.decisions d JOIN rep r USING (report_id)
    WHERE d.decision = 'proven' AND d.decided_on <= %(as_of)s GROUP BY 1, 2, 3
), ft AS (
    SELECT coalesce(election_id, 'unknown') AS election_id, coalesce(province_code, 'unknown') AS province_code,
           coalesce(region_code, 'unknown') AS region_code,
           count(*) AS recommended,
           count(*) FILTER (WHERE status = 'sanctioned') AS sanctioned,
           count(*) FILTER (WHERE status = 'revoked') AS revoked,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'overdue') AS overdue,
           count(*) FILTER (WHERE status = 'closed') AS closed,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_sanction)
               FILTER (WHERE status = 'sanctioned') AS median_days
    FROM mart.followthrough GROUP BY 1, 2, 3
), groups AS (
    SELECT election_id, province_code, region_code FROM reported
    UNION SELECT election_id, province_code, region_code FROM proven
    UNION SELECT election_id, province_code, region_code FROM ft
)
INSERT INTO mart.followthrough_summary
SELECT g.election_id, g.province_code, g.region_code,
       coalesce(reported.n, 0), coalesce(proven.n, 0), coalesce(ft.recommended, 0),
       coalesce(ft.sanctioned, 0), coalesce(ft.revoked, 0), coalesce(ft.pending, 0),
       coalesce(ft.overdue, 0), coalesce(ft.closed, 0),
       CASE WHEN coalesce(ft.recommended, 0) > 0 THEN round(ft.sanctioned::numeric / ft.recommended, 4) END,
       round(ft.median_days::numeric, 1),
       %(as_of)s
FROM groups g
LEFT JOIN reported USING (election_id, province_code, region_code)
LEFT JOIN proven USING (election_id, province_code, region_code)
LEFT JOIN ft USING (election_id, province_code, region_code);
"""

FOLLOWTHROUGH_COLUMNS = (
    "recommendation_id", "report_id", "election_id", "region_code", "province_code", "ppk_agency", "category",
    "asn_key", "recommended_level", "issued_on", "status", "sanction_id", "sanction_code", "sanction_level",
    "decree_date", "days_to_sanction", "severity_vs_recommended", "link_method", "link_score", "as_of",
)


@dataclass
class ReconcileResult:
    as_of: date
    recommendations: int
    by_status: dict[str, int]
    by_link_method: dict[str, int]


def _load(cur, as_of: date):
    cur.execute(
        "SELECT r.recommendation_id, r.report_id, r.nip, r.asn_key, r.level, r.ppk_agency, r.issued_on,"
        "       p.election_id, p.region_code, p.province_code, p.category "
        "FROM core.recommendations r LEFT JOIN core.reports p USING (report_id) "
        "WHERE r.issued_on <= %s", (as_of,))
    recs = cur.fetchall()
    cur.execute("SELECT sanction_id, nip, decree_date, recommendation_ref, sanction_code, sanction_level "
                "FROM core.sanctions WHERE decree_date <= %s", (as_of,))
    sanctions = cur.fetchall()
    cur.execute("SELECT sanction_id, revoked_on FROM core.sanction_revocations WHERE revoked_on <= %s", (as_of,))
    revoked = dict(cur.fetchall())
    cur.execute("SELECT recommendation_id, closed_on FROM core.recommendation_closures WHERE closed_on <= %s",
                (as_of,))
    closed = dict(cur.fetchall())
    return recs, sanctions, revoked, closed


def followthrough_rows(recs, sanctions, revoked, closed, as_of: date, sla_days: int) -> list[tuple]:
    """Pure: one mart.followthrough row per recommendation (input rows as loaded by _load)."""
    links = rules.link(
        (rules.Recommendation(r[0], r[2], r[6]) for r in recs),
        (rules.Sanction(s[0], s[1], s[2], s[3]) for s in sanctions),
    )
    sanction_by_id = {s[0]: s for s in sanctions}
    rows = []
    for rec_id, report_id, _nip, asn, level, agency, issued_on, election, region, province, category in recs:
        ln = links.get(rec_id)
        s = sanction_by_id[ln.sanction_id] if ln else None
        decree = s[2] if s else None
        st = rules.status(issued_on=issued_on, as_of=as_of, sla_days=sla_days, decree_date=decree,
                          revoked_on=revoked.get(ln.sanction_id) if ln else None, closed_on=closed.get(rec_id))
        s_level = s[5] if s else None
        rows.append((
            rec_id, report_id, election, region, province, agency, category, asn, level, issued_on, st,
            ln.sanction_id if ln else None, s[4] if s else None, s_level, decree,
            (decree - issued_on).days if decree else None, rules.severity(level, s_level),
            ln.method if ln else None, ln.score if ln else None, as_of,
        ))
    return rows


def reconcile(conn, as_of: date, sla_days: int, say: Say = lambda _m: None) -> ReconcileResult:
    from psycopg2.extras import execute_values

    with conn:  # one transaction: core, links and marts are replaced together or not at all
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(8241002)")  # one reconcile at a time
            say(f"reconcile as of {as_of}: building core from raw.events")
            cur.execute(BUILD_CORE)
            recs, sanctions, revoked, closed = _load(cur, as_of)
            say(f"  linking {len(sanctions)} sanctions to {len(recs)} recommendations")
            rows = followthrough_rows(recs, sanctions, revoked, closed, as_of, sla_days)
            links = [(r[0], r[11], r[17], r[18]) for r in rows if r[11] is not None]
            if links:
                execute_values(cur, "INSERT INTO core.links (recommendation_id, sanction_id, link_method, link_score) "
                                    "VALUES %s", links)
            cur.execute("TRUNCATE mart.followthrough")
            if rows:
                execute_values(cur, f"INSERT INTO mart.followthrough ({', '.join(FOLLOWTHROUGH_COLUMNS)}) VALUES %s",
                               rows, page_size=1000)
            cur.execute(BUILD_SUMMARY, {"as_of": as_of})
    by_status = {s: 0 for s in rules.STATUSES}
    by_method: dict[str, int] = {}
    for r in rows:
        by_status[r[10]] += 1
        if r[17]:
            by_method[r[17]] = by_method.get(r[17], 0) + 1
    return ReconcileResult(as_of, len(rows), by_status, by_method)


SUMMARY_TOTALS = """
SELECT election_id, sum(reported_asn), sum(proven_asn), sum(recommended), sum(sanctioned), sum(revoked),
       sum(pending), sum(overdue), sum(closed),
       round(sum(sanctioned)::numeric / nullif(sum(recommended), 0), 4)
FROM mart.followthrough_summary GROUP BY election_id ORDER BY election_id
"""


def summary_table(conn) -> str:
    """The follow-through summary per election, as a small text table for the terminal."""
    with conn:
        with conn.cursor() as cur:
            cur.execute(SUMMARY_TOTALS)
            rows = cur.fetchall()
            cur.execute("SELECT max(as_of) FROM mart.followthrough_summary")
            as_of = cur.fetchone()[0]
    from netra.text import render_table

    head = ("election", "reported", "proven", "recommended", "sanctioned", "revoked", "pending", "overdue",
            "closed", "rate")
    return (f"follow-through as of {as_of} (mart.followthrough_summary, summed per election)\n"
            + render_table(head, rows))



def run_reconcile(as_of: date, say: Say = lambda _m: None) -> ReconcileResult:
    """Settings -> connection -> reconcile; what both `netra reconcile` and the DAG call."""
    from netra.settings import load
    from netra.warehouse.db import connect, migrate

    s = load()
    conn = connect(s)
    try:
        migrate(conn, say)  # cheap when up to date; a fresh warehouse gets its schema
        return reconcile(conn, as_of, s.ppk_sla_days, say)
    finally:
        conn.close()


def as_of_for_run(data_interval_end=None, dag_run=None) -> date:
    """The business day a DAG run reconciles: its data interval end (or run_after for manual runs), in WIB."""
    import pendulum

    moment = data_interval_end or getattr(dag_run, "run_after", None) or getattr(dag_run, "logical_date", None)
    if moment is None:
        raise ValueError("the run has neither a data interval end nor a run_after time")
    return pendulum.instance(moment).in_timezone("Asia/Jakarta").date()
