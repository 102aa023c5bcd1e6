-- Write-audit-publish, step 3 (after the checkpoint passed): the staged marts replace the published ones,
-- in the reconcile's transaction. DELETE rather than TRUNCATE: MVCC-safe for analysts' open snapshots,
-- and no ACCESS EXCLUSIVE lock. Every column is named: the stage and mart tables agree by name, not order.
DELETE FROM mart.followthrough;
INSERT INTO mart.followthrough (recommendation_id, report_id, election_id, region_code, province_code, ppk_agency,
                                category, asn_key, recommended_level, issued_on, status, sanction_id, sanction_code,
                                sanction_level, decree_date, days_to_sanction, severity_vs_recommended, link_method,
                                link_score, as_of)
SELECT recommendation_id, report_id, election_id, region_code, province_code, ppk_agency, category, asn_key,
       recommended_level, issued_on, status, sanction_id, sanction_code, sanction_level, decree_date,
       days_to_sanction, severity_vs_recommended, link_method, link_score, as_of
FROM mart_stage.followthrough;

DELETE FROM mart.followthrough_summary;
INSERT INTO mart.followthrough_summary (election_id, province_code, region_code, reported_asn, proven_asn,
                                        recommended, sanctioned, revoked, pending, overdue, closed,
                                        followthrough_rate, median_days_to_sanction, as_of)
SELECT election_id, province_code, region_code, reported_asn, proven_asn, recommended, sanctioned, revoked, pending,
       overdue, closed, followthrough_rate, median_days_to_sanction, as_of
FROM mart_stage.followthrough_summary;

DELETE FROM mart.followthrough_summary_public;
INSERT INTO mart.followthrough_summary_public (election_id, province_code, region_code, reported_asn, proven_asn,
                                               recommended, sanctioned, revoked, pending, overdue, closed,
                                               followthrough_rate, median_days_to_sanction, as_of, suppressed)
SELECT election_id, province_code, region_code, reported_asn, proven_asn, recommended, sanctioned, revoked, pending,
       overdue, closed, followthrough_rate, median_days_to_sanction, as_of, suppressed
FROM mart_stage.followthrough_summary_public;

DELETE FROM mart.review_queue;
INSERT INTO mart.review_queue (recommendation_id, sanction_id, score, reasons, rec_asn_key, sanction_asn_key,
                               ppk_agency, sanction_agency, issued_on, decree_date, as_of)
SELECT recommendation_id, sanction_id, score, reasons, rec_asn_key, sanction_asn_key, ppk_agency, sanction_agency,
       issued_on, decree_date, as_of
FROM mart_stage.review_queue;

DELETE FROM mart.unlinked_sanctions;
INSERT INTO mart.unlinked_sanctions (sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date,
                                     revoked_on, has_nip, has_reference, as_of)
SELECT sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date, revoked_on, has_nip, has_reference,
       as_of
FROM mart_stage.unlinked_sanctions;
