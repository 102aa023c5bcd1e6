-- Write-audit-publish, step 1 of an incremental run (after reconcile/stage_changes.sql): the summary with the
-- same definitions as mart.followthrough_as_of (the contract; test_reconcile_incremental compares the two
-- ways). reported_asn and proven_asn: the published counts, less what the touched reports counted before
-- (reconcile/snapshot_summary_inputs.sql), plus what they count now. The status counts and the median: from
-- the followthrough rows the new mart will hold (the published ones not recomputed, and the staged ones),
-- whose statuses are the as-of function's by construction.
INSERT INTO mart_stage.followthrough_summary (election_id, province_code, region_code, reported_asn, proven_asn,
                                              recommended, sanctioned, revoked, pending, overdue, closed,
                                              followthrough_rate, median_days_to_sanction, as_of)
WITH after AS (
    SELECT r.election_id, r.province_code, r.region_code,
           CASE WHEN r.filed_on <= %(as_of)s
                THEN (SELECT count(*) FROM core.subjects s WHERE s.report_id = r.report_id) ELSE 0 END AS reported,
           CASE WHEN r.filed_on <= %(as_of)s AND dc.decision = 'proven' AND dc.decided_on <= %(as_of)s
                THEN cardinality(dc.proven_nips) ELSE 0 END AS proven
    FROM core.reports r
    JOIN summary_reports t ON t.report_id = r.report_id
    LEFT JOIN core.decisions dc ON dc.report_id = r.report_id
), counts AS (
    SELECT election_id, province_code, region_code, sum(reported) AS reported, sum(proven) AS proven
    FROM (SELECT election_id, province_code, region_code, reported_asn AS reported, proven_asn AS proven
          FROM mart.followthrough_summary
          UNION ALL SELECT election_id, province_code, region_code, -reported, -proven FROM summary_before
          UNION ALL SELECT election_id, province_code, region_code, reported, proven FROM after) c
    GROUP BY 1, 2, 3
), ft AS (
    SELECT f.election_id, f.province_code, f.region_code, f.status, f.days_to_sanction FROM mart.followthrough f
    WHERE NOT EXISTS (SELECT 1 FROM mart_changes c WHERE c.recommendation_id = f.recommendation_id)
    UNION ALL
    SELECT s.election_id, s.province_code, s.region_code, s.status, s.days_to_sanction FROM mart_stage.followthrough s
), statuses AS (
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
    FROM ft GROUP BY 1, 2, 3
), groups AS (
    SELECT election_id, province_code, region_code FROM counts WHERE reported > 0 OR proven > 0
    UNION SELECT election_id, province_code, region_code FROM statuses
)
SELECT g.election_id, g.province_code, g.region_code,
       coalesce(c.reported, 0)::int, coalesce(c.proven, 0)::int, coalesce(st.recommended, 0)::int,
       coalesce(st.sanctioned, 0)::int, coalesce(st.revoked, 0)::int, coalesce(st.pending, 0)::int,
       coalesce(st.overdue, 0)::int, coalesce(st.closed, 0)::int,
       CASE WHEN coalesce(st.recommended, 0) > 0 THEN round(st.sanctioned::numeric / st.recommended, 4) END,
       round(st.median_days::numeric, 1), %(as_of)s
FROM groups g
LEFT JOIN counts c ON c.election_id = g.election_id AND c.province_code = g.province_code
                  AND c.region_code = g.region_code
LEFT JOIN statuses st ON st.election_id = g.election_id AND st.province_code = g.province_code
                     AND st.region_code = g.region_code;
