-- Write-audit-publish, step 1 of a run that rebuilds the marts in full (as-of day, SLA or small-cell k not the
-- last run's, or links rebuilt): every followthrough row in mart_stage, as of the run's day with the PPK SLA;
-- then reconcile/stage_other_marts.sql. The GX checkpoint audits them there before publish.sql copies them.
TRUNCATE mart_stage.followthrough, mart_stage.followthrough_summary, mart_stage.review_queue,
         mart_stage.unlinked_sanctions, mart_stage.followthrough_summary_public;

INSERT INTO mart_stage.followthrough (recommendation_id, report_id, election_id, region_code, province_code,
                                      ppk_agency, category, asn_key, recommended_level, issued_on, status,
                                      sanction_id, sanction_code, sanction_level, decree_date, days_to_sanction,
                                      severity_vs_recommended, link_method, link_score, as_of)
SELECT f.recommendation_id, f.report_id, f.election_id, f.region_code, f.province_code, f.ppk_agency, f.category,
       f.asn_key, f.recommended_level, f.issued_on, f.status, f.sanction_id, f.sanction_code, f.sanction_level,
       f.decree_date, f.days_to_sanction, f.severity_vs_recommended, f.link_method, f.link_score, %(as_of)s
FROM core.recommendation_status_as_of(%(as_of)s, %(sla)s) f;

-- What the GX checkpoint audits of mart.followthrough: every staged row (reconcile/audit_views.sql).
CREATE OR REPLACE TEMP VIEW audit_followthrough AS
SELECT recommendation_id, report_id, election_id, region_code, province_code, ppk_agency, category, asn_key,
       recommended_level, issued_on, status, sanction_id, sanction_code, sanction_level, decree_date,
       days_to_sanction, severity_vs_recommended, link_method, link_score, as_of
FROM mart_stage.followthrough;
