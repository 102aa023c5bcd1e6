-- Incremental core, review queue, unlinked sanctions, as-of function, funnel, staging for
-- write-audit-publish, overdue alerts, and a small-cell-suppressed public summary.

-- core rows remember which event they came from, so an incremental run keeps the latest
ALTER TABLE core.reports ADD COLUMN occurred_at timestamptz;
ALTER TABLE core.decisions ADD COLUMN occurred_at timestamptz;
ALTER TABLE core.recommendations ADD COLUMN occurred_at timestamptz;
ALTER TABLE core.recommendation_closures ADD COLUMN occurred_at timestamptz, ADD COLUMN event_id uuid;
ALTER TABLE core.sanctions ADD COLUMN occurred_at timestamptz, ADD COLUMN asn_key text;
ALTER TABLE core.sanction_revocations ADD COLUMN occurred_at timestamptz, ADD COLUMN event_id uuid;

-- One row: where the last incremental run got to, and the SLA it used.
CREATE TABLE core.reconcile_state (
    id          int PRIMARY KEY CHECK (id = 1),
    watermark   timestamptz NOT NULL,
    sla_days    int NOT NULL,
    last_as_of  date NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE core.review_queue (
    recommendation_id text NOT NULL,
    sanction_id       text NOT NULL,
    score             numeric(4, 3) NOT NULL,
    reasons           text[] NOT NULL,
    PRIMARY KEY (recommendation_id, sanction_id)
);

-- Newly overdue recommendations published to alerts.overdue, once each.
CREATE TABLE core.overdue_alerts (
    recommendation_id text PRIMARY KEY,
    event_id          uuid NOT NULL UNIQUE,
    as_of             date NOT NULL,
    published_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mart.review_queue (
    recommendation_id text NOT NULL,
    sanction_id       text NOT NULL,
    score             numeric(4, 3) NOT NULL,
    reasons           text[] NOT NULL,
    rec_asn_key       text,
    sanction_asn_key  text,
    ppk_agency        text,
    sanction_agency   text,
    issued_on         date,
    decree_date       date,
    as_of             date NOT NULL,
    PRIMARY KEY (recommendation_id, sanction_id)
);

CREATE TABLE mart.unlinked_sanctions (
    sanction_id    text PRIMARY KEY,
    asn_key        text,
    agency         text NOT NULL,
    sanction_code  int NOT NULL,
    sanction_level text,
    decree_date    date NOT NULL,
    revoked_on     date,
    has_nip        boolean NOT NULL,
    has_reference  boolean NOT NULL,
    as_of          date NOT NULL
);

-- Public copy of the summary: counts below k (NETRA_SMALL_CELL_K) are suppressed.
CREATE TABLE mart.followthrough_summary_public (LIKE mart.followthrough_summary);
ALTER TABLE mart.followthrough_summary_public ADD COLUMN suppressed boolean NOT NULL DEFAULT false;

-- Staging area of write-audit-publish: new marts are built and audited here first.
CREATE SCHEMA IF NOT EXISTS mart_stage;
CREATE TABLE mart_stage.followthrough (LIKE mart.followthrough INCLUDING ALL);
CREATE TABLE mart_stage.followthrough_summary (LIKE mart.followthrough_summary INCLUDING ALL);
CREATE TABLE mart_stage.review_queue (LIKE mart.review_queue INCLUDING ALL);
CREATE TABLE mart_stage.unlinked_sanctions (LIKE mart.unlinked_sanctions INCLUDING ALL);
CREATE TABLE mart_stage.followthrough_summary_public (LIKE mart.followthrough_summary_public INCLUDING ALL);
GRANT USAGE ON SCHEMA mart_stage TO netra_pipeline;
GRANT ALL ON ALL TABLES IN SCHEMA mart_stage TO netra_pipeline;
REVOKE ALL ON SCHEMA mart_stage FROM netra_analyst;

-- Status of every recommendation as of day d (DESIGN.md §6). The one SQL implementation
-- behind mart.followthrough, mart.followthrough_summary and mart.followthrough_as_of;
-- netra.reconcile.rules.status is its executable specification (a test compares them).
-- Links come from the latest reconcile (core.links); a sanction decreed after d does not count at d.
CREATE FUNCTION core.recommendation_status_as_of(d date, sla_days int)
RETURNS TABLE (recommendation_id text, report_id text, election_id text, region_code text, province_code text,
               ppk_agency text, category text, asn_key text, recommended_level text, issued_on date,
               status text, sanction_id text, sanction_code int, sanction_level text, decree_date date,
               days_to_sanction int, severity_vs_recommended text, link_method text, link_score numeric)
LANGUAGE sql STABLE AS $$
    WITH rec AS (
        SELECT r.recommendation_id, r.report_id, p.election_id, p.region_code, p.province_code, r.ppk_agency,
               p.category, r.asn_key, r.level, r.issued_on,
               l.sanction_id, l.link_method, l.link_score,
               s.sanction_code, s.sanction_level, s.decree_date, rv.revoked_on, c.closed_on
        FROM core.recommendations r
        LEFT JOIN core.reports p ON p.report_id = r.report_id AND p.filed_on <= d
        LEFT JOIN core.links l ON l.recommendation_id = r.recommendation_id
        LEFT JOIN core.sanctions s ON s.sanction_id = l.sanction_id AND s.decree_date <= d
        LEFT JOIN core.sanction_revocations rv ON rv.sanction_id = s.sanction_id AND rv.revoked_on <= d
        LEFT JOIN core.recommendation_closures c ON c.recommendation_id = r.recommendation_id AND c.closed_on <= d
        WHERE r.issued_on <= d
    )
    SELECT recommendation_id, report_id, election_id, region_code, province_code, ppk_agency, category, asn_key,
           level, issued_on,
           CASE WHEN decree_date IS NOT NULL AND revoked_on IS NOT NULL THEN 'revoked'
                WHEN decree_date IS NOT NULL THEN 'sanctioned'
                WHEN closed_on IS NOT NULL THEN 'closed'
                WHEN d - issued_on > sla_days THEN 'overdue'
                ELSE 'pending' END,
           CASE WHEN decree_date IS NOT NULL THEN sanction_id END,
           CASE WHEN decree_date IS NOT NULL THEN sanction_code END,
           CASE WHEN decree_date IS NOT NULL THEN sanction_level END,
           decree_date,
           decree_date - issued_on,
           CASE WHEN decree_date IS NULL OR sanction_level IS NULL THEN NULL
                WHEN array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], sanction_level)
                   = array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], level) THEN 'as_recommended'
                WHEN array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], sanction_level)
                   < array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], level) THEN 'lighter'
                ELSE 'heavier' END,
           CASE WHEN decree_date IS NOT NULL THEN link_method END,
           CASE WHEN decree_date IS NOT NULL THEN link_score END
    FROM rec
$$;

-- mart.followthrough_summary as it stood on day d (contract). sla_days defaults to the last run's.
CREATE FUNCTION mart.followthrough_as_of(d date, sla_days int DEFAULT NULL)
RETURNS TABLE (election_id text, province_code text, region_code text, reported_asn int, proven_asn int,
               recommended int, sanctioned int, revoked int, pending int, overdue int, closed int,
               followthrough_rate numeric, median_days_to_sanction numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH ft AS (
        SELECT * FROM core.recommendation_status_as_of(
            d, coalesce(sla_days, (SELECT s.sla_days FROM core.reconcile_state s WHERE s.id = 1), 30))
    ), rep AS (
        SELECT * FROM core.reports WHERE filed_on <= d
    ), reported AS (
        SELECT r.election_id, r.province_code, r.region_code, count(*) AS n
        FROM core.subjects s JOIN rep r USING (report_id) GROUP BY 1, 2, 3
    ), proven AS (
        SELECT r.election_id, r.province_code, r.region_code, sum(cardinality(dc.proven_nips)) AS n
        FROM core.decisions dc JOIN rep r USING (report_id)
        WHERE dc.decision = 'proven' AND dc.decided_on <= d GROUP BY 1, 2, 3
    ), statuses AS (
        SELECT coalesce(ft.election_id, 'unknown') AS election_id,
               coalesce(ft.province_code, 'unknown') AS province_code,
               coalesce(ft.region_code, 'unknown') AS region_code,
               count(*) AS recommended,
               count(*) FILTER (WHERE status = 'sanctioned') AS sanctioned,
               count(*) FILTER (WHERE status = 'revoked') AS revoked,
               count(*) FILTER (WHERE status = 'pending') AS pending,
               count(*) FILTER (WHERE status = 'overdue') AS overdue,
               count(*) FILTER (WHERE status = 'closed') AS closed,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_sanction)
                   FILTER (WHERE status = 'sanctioned') AS median_days
        FROM ft GROUP BY 1, 2, 3
    ), groups AS (
        SELECT election_id, province_code, region_code FROM reported
        UNION SELECT election_id, province_code, region_code FROM proven
        UNION SELECT election_id, province_code, region_code FROM statuses
    )
    SELECT g.election_id, g.province_code, g.region_code,
           coalesce(reported.n, 0)::int, coalesce(proven.n, 0)::int, coalesce(st.recommended, 0)::int,
           coalesce(st.sanctioned, 0)::int, coalesce(st.revoked, 0)::int, coalesce(st.pending, 0)::int,
           coalesce(st.overdue, 0)::int, coalesce(st.closed, 0)::int,
           CASE WHEN coalesce(st.recommended, 0) > 0 THEN round(st.sanctioned::numeric / st.recommended, 4) END,
           round(st.median_days::numeric, 1)
    FROM groups g
    LEFT JOIN reported USING (election_id, province_code, region_code)
    LEFT JOIN proven USING (election_id, province_code, region_code)
    LEFT JOIN statuses st USING (election_id, province_code, region_code)
$$;
REVOKE ALL ON FUNCTION core.recommendation_status_as_of(date, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.recommendation_status_as_of(date, int) TO netra_pipeline;
GRANT EXECUTE ON FUNCTION mart.followthrough_as_of(date, int) TO netra_analyst, netra_pipeline;

-- Per election: reported -> registered -> proven -> recommended -> sanctioned (as of the last reconcile).
CREATE VIEW mart.funnel AS
WITH subjects AS (
    SELECT r.election_id, count(*) AS reported,
           count(*) FILTER (WHERE d.decision IS DISTINCT FROM 'not_registered') AS registered
    FROM core.subjects s JOIN core.reports r USING (report_id)
    LEFT JOIN core.decisions d USING (report_id)
    GROUP BY 1
), proven AS (
    SELECT r.election_id, sum(cardinality(d.proven_nips)) AS proven
    FROM core.decisions d JOIN core.reports r USING (report_id) WHERE d.decision = 'proven' GROUP BY 1
), ft AS (
    SELECT coalesce(election_id, 'unknown') AS election_id, count(*) AS recommended,
           count(*) FILTER (WHERE status = 'sanctioned') AS sanctioned, max(as_of) AS as_of
    FROM mart.followthrough GROUP BY 1
)
SELECT election_id, coalesce(s.reported, 0) AS reported, coalesce(s.registered, 0) AS registered,
       coalesce(p.proven, 0) AS proven, coalesce(ft.recommended, 0) AS recommended,
       coalesce(ft.sanctioned, 0) AS sanctioned, ft.as_of
FROM subjects s FULL JOIN proven p USING (election_id) FULL JOIN ft USING (election_id);
-- the view reads core as its owner; analysts only see the aggregate
GRANT SELECT ON mart.funnel TO netra_analyst;
