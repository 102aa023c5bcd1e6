-- Write-audit-publish, step 3 (after the checkpoint passed): the staged marts replace the published ones,
-- in the reconcile's transaction. DELETE rather than TRUNCATE: MVCC-safe for analysts' open snapshots,
-- and no ACCESS EXCLUSIVE lock. Every column is named: the stage and mart tables agree by name, not order.
-- core.sanction_days is counted again from the new rows (an incremental run's summary takes its medians there).
DELETE FROM mart.followthrough;
INSERT INTO mart.followthrough (recommendation_id, report_id, election_id, region_code, province_code, ppk_agency,
                                category, asn_key, recommended_level, issued_on, status, sanction_id, sanction_code,
                                sanction_level, decree_date, days_to_sanction, severity_vs_recommended, link_method,
                                link_score, as_of)
SELECT recommendation_id, report_id, election_id, region_code, province_code, ppk_agency, category, asn_key,
       recommended_level, issued_on, status, sanction_id, sanction_code, sanction_level, decree_date,
       days_to_sanction, severity_vs_recommended, link_method, link_score, as_of
FROM mart_stage.followthrough;
DELETE FROM core.sanction_days;
INSERT INTO core.sanction_days (election_id, province_code, region_code, days, n)
SELECT coalesce(election_id, 'unknown'), coalesce(province_code, 'unknown'), coalesce(region_code, 'unknown'),
       days_to_sanction, count(*)
FROM mart_stage.followthrough WHERE status = 'sanctioned' AND days_to_sanction IS NOT NULL
GROUP BY 1, 2, 3, 4;
