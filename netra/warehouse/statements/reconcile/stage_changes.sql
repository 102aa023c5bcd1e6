-- Write-audit-publish, step 1 of an incremental run (as-of day, SLA and k as the last published run's, links
-- kept): only the followthrough rows whose inputs changed are recomputed into mart_stage, the recommendations
-- in mart_changes: changed, or whose report, closure, link, linked sanction or its revocation changed. Every
-- other row's inputs are what the published row was made from. Then reconcile/stage_other_marts.sql.
TRUNCATE mart_stage.followthrough, mart_stage.followthrough_summary, mart_stage.review_queue,
         mart_stage.unlinked_sanctions, mart_stage.followthrough_summary_public;

CREATE TEMP TABLE mart_changes (recommendation_id text PRIMARY KEY) ON COMMIT DROP;
INSERT INTO mart_changes (recommendation_id)
SELECT recommendation_id FROM changed_recommendations
UNION SELECT r.recommendation_id FROM core.recommendations r JOIN changed_reports c ON c.report_id = r.report_id
UNION SELECT recommendation_id FROM changed_closures
UNION SELECT recommendation_id FROM relinked
UNION SELECT l.recommendation_id FROM core.links l JOIN changed_sanctions c ON c.sanction_id = l.sanction_id
UNION SELECT l.recommendation_id FROM core.links l JOIN changed_revocations c ON c.sanction_id = l.sanction_id;
ANALYZE mart_changes;

INSERT INTO mart_stage.followthrough (recommendation_id, report_id, election_id, region_code, province_code,
                                      ppk_agency, category, asn_key, recommended_level, issued_on, status,
                                      sanction_id, sanction_code, sanction_level, decree_date, days_to_sanction,
                                      severity_vs_recommended, link_method, link_score, as_of)
SELECT f.recommendation_id, f.report_id, f.election_id, f.region_code, f.province_code, f.ppk_agency, f.category,
       f.asn_key, f.recommended_level, f.issued_on, f.status, f.sanction_id, f.sanction_code, f.sanction_level,
       f.decree_date, f.days_to_sanction, f.severity_vs_recommended, f.link_method, f.link_score, %(as_of)s
FROM core.recommendation_status_as_of(%(as_of)s, %(sla)s) f
WHERE f.recommendation_id IN (SELECT recommendation_id FROM mart_changes);

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
