-- Write-audit-publish, step 1 of an incremental run (after reconcile/stage_changes.sql): the summary with the
-- same definitions as mart.followthrough_as_of (the contract; test_reconcile_incremental compares the two
-- ways), from what changed rather than a re-read of every published row. reported_asn and proven_asn: the
-- published counts, less what the touched reports counted before (reconcile/snapshot_summary_inputs.sql), plus
-- what they count now. The status counts: the published ones, less those of the published rows recomputed
-- (mart_changes), plus those of the staged rows; the median: from core.sanction_days (the published rows' days
-- to sanction, counted) changed the same way. The statuses are the as-of function's by construction.
-- followthrough_change and sanction_days_change are what reconcile/publish_changes.sql applies.
CREATE TEMP TABLE followthrough_change ON COMMIT DROP AS
SELECT coalesce(election_id, 'unknown') AS election_id, coalesce(province_code, 'unknown') AS province_code,
       coalesce(region_code, 'unknown') AS region_code, status, days_to_sanction, sum(n) AS n
FROM (SELECT f.election_id, f.province_code, f.region_code, f.status, f.days_to_sanction, -1 AS n
      FROM mart.followthrough f JOIN mart_changes c ON c.recommendation_id = f.recommendation_id
      UNION ALL
      SELECT election_id, province_code, region_code, status, days_to_sanction, 1 FROM mart_stage.followthrough) c
GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0;
CREATE TEMP TABLE sanction_days_change ON COMMIT DROP AS
SELECT election_id, province_code, region_code, days_to_sanction AS days, sum(n) AS n FROM followthrough_change
WHERE status = 'sanctioned' AND days_to_sanction IS NOT NULL GROUP BY 1, 2, 3, 4;
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
), status_counts AS (
    SELECT election_id, province_code, region_code, sum(recommended) AS recommended, sum(sanctioned) AS sanctioned,
           sum(revoked) AS revoked, sum(pending) AS pending, sum(overdue) AS overdue, sum(closed) AS closed
    FROM (SELECT election_id, province_code, region_code, recommended, sanctioned, revoked, pending, overdue, closed
          FROM mart.followthrough_summary
          UNION ALL
          SELECT election_id, province_code, region_code, sum(n),
                 coalesce(sum(n) FILTER (WHERE status = 'sanctioned'), 0),
                 coalesce(sum(n) FILTER (WHERE status = 'revoked'), 0),
                 coalesce(sum(n) FILTER (WHERE status = 'pending'), 0),
                 coalesce(sum(n) FILTER (WHERE status = 'overdue'), 0),
                 coalesce(sum(n) FILTER (WHERE status = 'closed'), 0)
          FROM followthrough_change GROUP BY 1, 2, 3) c
    GROUP BY 1, 2, 3
), days AS (
    SELECT election_id, province_code, region_code, days, sum(n) AS n
    FROM (SELECT election_id, province_code, region_code, days, n FROM core.sanction_days
          UNION ALL SELECT election_id, province_code, region_code, days, n FROM sanction_days_change) d
    GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0
), ranked AS (
    SELECT election_id, province_code, region_code, days,
           sum(n) OVER (PARTITION BY election_id, province_code, region_code ORDER BY days) AS upto,
           sum(n) OVER (PARTITION BY election_id, province_code, region_code) AS total
    FROM days
), medians AS (
    -- percentile_cont(0.5): the mean of the values at ranks (total - 1) / 2 and total / 2 (0-based, rounded down)
    SELECT election_id, province_code, region_code,
           (min(days) FILTER (WHERE upto > (total - 1) / 2) + min(days) FILTER (WHERE upto > total / 2)) / 2.0
               AS median_days
    FROM ranked GROUP BY 1, 2, 3
), statuses AS (
    SELECT c.election_id, c.province_code, c.region_code, c.recommended, c.sanctioned, c.revoked, c.pending,
           c.overdue, c.closed, m.median_days
    FROM status_counts c
    LEFT JOIN medians m ON m.election_id = c.election_id AND m.province_code = c.province_code
                       AND m.region_code = c.region_code
    WHERE c.recommended > 0
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
