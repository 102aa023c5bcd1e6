-- mart.followthrough_summary as it stood on day d (contract). sla_days defaults to the last run's.
-- SECURITY DEFINER: reads core as its owner, so analysts get the aggregate without reading core.
CREATE OR REPLACE FUNCTION mart.followthrough_as_of(d date, sla_days int DEFAULT NULL)
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
-- Functions are executable by PUBLIC by default: the SECURITY DEFINER as-of function only for our roles.
REVOKE ALL ON FUNCTION mart.followthrough_as_of(date, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mart.followthrough_as_of(date, int) TO netra_analyst, netra_pipeline;
COMMENT ON FUNCTION mart.followthrough_as_of(date, int) IS
    'mart.followthrough_summary as it stood on day d: business dates up to d, with the current links and the '
    'current (latest) version of each record.';
