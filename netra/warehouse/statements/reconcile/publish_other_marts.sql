-- Write-audit-publish, step 3 (after the checkpoint passed, after the followthrough rows: reconcile/publish.sql
-- or publish_changes.sql): the staged summary, public summary and review queue replace the published ones.
-- DELETE rather than TRUNCATE, as there; every column named. Then publish_unlinked(_changes).sql.
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
