-- Write-audit-publish, step 1 of an incremental run (as-of day, SLA and k as the last published run's, links
-- kept): only the followthrough rows of the recommendations in mart_changes (reconcile/mart_changes.sql) are
-- recomputed into mart_stage, read by key (`only_ids`). Then reconcile/stage_summary_changes.sql.
TRUNCATE mart_stage.followthrough, mart_stage.followthrough_summary, mart_stage.review_queue,
         mart_stage.unlinked_sanctions, mart_stage.followthrough_summary_public;

INSERT INTO mart_stage.followthrough (recommendation_id, report_id, election_id, region_code, province_code,
                                      ppk_agency, category, asn_key, recommended_level, issued_on, status,
                                      sanction_id, sanction_code, sanction_level, decree_date, days_to_sanction,
                                      severity_vs_recommended, link_method, link_score, as_of)
SELECT f.recommendation_id, f.report_id, f.election_id, f.region_code, f.province_code, f.ppk_agency, f.category,
       f.asn_key, f.recommended_level, f.issued_on, f.status, f.sanction_id, f.sanction_code, f.sanction_level,
       f.decree_date, f.days_to_sanction, f.severity_vs_recommended, f.link_method, f.link_score, %(as_of)s
FROM core.recommendation_status_as_of(%(as_of)s, %(sla)s, %(only)s) f;

-- What the GX checkpoint audits of mart.followthrough in this run: the recomputed rows, and the published rows
-- they do not replace that link a sanction one of them links too (so "a sanction is linked once" still sees
-- every row that could repeat one). The table-level rules get the whole table's row count
-- (reconcile/count_followthrough_after.sql).
CREATE OR REPLACE TEMP VIEW audit_followthrough AS
SELECT recommendation_id, report_id, election_id, region_code, province_code, ppk_agency, category, asn_key,
       recommended_level, issued_on, status, sanction_id, sanction_code, sanction_level, decree_date,
       days_to_sanction, severity_vs_recommended, link_method, link_score, as_of
FROM mart_stage.followthrough
UNION ALL
SELECT f.recommendation_id, f.report_id, f.election_id, f.region_code, f.province_code, f.ppk_agency, f.category,
       f.asn_key, f.recommended_level, f.issued_on, f.status, f.sanction_id, f.sanction_code, f.sanction_level,
       f.decree_date, f.days_to_sanction, f.severity_vs_recommended, f.link_method, f.link_score, f.as_of
FROM mart.followthrough f
WHERE f.sanction_id IN (SELECT s.sanction_id FROM mart_stage.followthrough s WHERE s.sanction_id IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM mart_changes c WHERE c.recommendation_id = f.recommendation_id);
