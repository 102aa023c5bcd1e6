-- Write-audit-publish, step 3 of an incremental run (after the checkpoint passed): the recomputed followthrough
-- rows replace theirs, and only theirs (a recommendation in mart_changes without a staged row is no longer in
-- the mart as of this day); the other rows stay as published. DELETE + INSERT in the reconcile's transaction:
-- analysts' open snapshots still see the old rows, no lock beyond the rows replaced. Then publish_other_marts.sql.
DELETE FROM mart.followthrough f
WHERE EXISTS (SELECT 1 FROM mart_changes c WHERE c.recommendation_id = f.recommendation_id);
INSERT INTO mart.followthrough (recommendation_id, report_id, election_id, region_code, province_code, ppk_agency,
                                category, asn_key, recommended_level, issued_on, status, sanction_id, sanction_code,
                                sanction_level, decree_date, days_to_sanction, severity_vs_recommended, link_method,
                                link_score, as_of)
SELECT recommendation_id, report_id, election_id, region_code, province_code, ppk_agency, category, asn_key,
       recommended_level, issued_on, status, sanction_id, sanction_code, sanction_level, decree_date,
       days_to_sanction, severity_vs_recommended, link_method, link_score, as_of
FROM mart_stage.followthrough;
