-- An incremental run whose marts are kept (as-of day and SLA as before), before build_core.sql changes core:
-- what each report this run may change counted in the published summary (reported_asn: its subjects;
-- proven_asn: its proven NIPs), by its group. reconcile/stage_summary_changes.sql subtracts these and adds
-- the new counts, so the reports and decisions nobody touched are not counted again.
CREATE TEMP TABLE summary_reports ON COMMIT DROP AS
SELECT DISTINCT payload->>'report_id' AS report_id FROM new_events
WHERE event_type IN ('report.filed', 'report.decided');
CREATE TEMP TABLE summary_before ON COMMIT DROP AS
SELECT r.election_id, r.province_code, r.region_code,
       CASE WHEN r.filed_on <= %(as_of)s
            THEN (SELECT count(*) FROM core.subjects s WHERE s.report_id = r.report_id) ELSE 0 END AS reported,
       CASE WHEN r.filed_on <= %(as_of)s AND dc.decision = 'proven' AND dc.decided_on <= %(as_of)s
            THEN cardinality(dc.proven_nips) ELSE 0 END AS proven
FROM core.reports r
JOIN summary_reports t ON t.report_id = r.report_id
LEFT JOIN core.decisions dc ON dc.report_id = r.report_id;
