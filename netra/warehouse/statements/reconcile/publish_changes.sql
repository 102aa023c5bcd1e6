-- Write-audit-publish, step 3 of an incremental run (after the checkpoint passed): the recomputed followthrough
-- rows replace theirs, and only theirs (a recommendation in mart_changes without a staged row is no longer in
-- the mart as of this day); the other rows stay as published. DELETE + INSERT in the reconcile's transaction:
-- analysts' open snapshots still see the old rows, no lock beyond the rows replaced. core.sanction_days changes
-- with them (reconcile/stage_summary_changes.sql counted how); a count that would go below zero stops the run.
-- Then publish_other_marts.sql.
UPDATE core.sanction_days s SET n = s.n + c.n FROM sanction_days_change c
WHERE s.election_id = c.election_id AND s.province_code = c.province_code AND s.region_code = c.region_code
  AND s.days = c.days;
INSERT INTO core.sanction_days (election_id, province_code, region_code, days, n)
SELECT c.election_id, c.province_code, c.region_code, c.days, c.n FROM sanction_days_change c
WHERE NOT EXISTS (SELECT 1 FROM core.sanction_days s
                  WHERE s.election_id = c.election_id AND s.province_code = c.province_code
                    AND s.region_code = c.region_code AND s.days = c.days);
DELETE FROM core.sanction_days WHERE n = 0;
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
