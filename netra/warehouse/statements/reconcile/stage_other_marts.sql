-- Write-audit-publish, step 1 (every run, after the followthrough rows and the summary: reconcile/build_stage.sql
-- and stage_summary.sql, or stage_changes.sql and stage_summary_changes.sql): the public summary and the review
-- queue, as of the run's day, rebuilt whole in mart_stage (small). Then stage_unlinked(_changes).sql.
-- small cells (1 .. k-1) are suppressed in the public copy. The five status columns add up
-- to `recommended`, so when any of them is hidden `recommended` (and the rate) is hidden too:
-- otherwise the hidden cell could be recovered by subtraction (netra/disclosure.py says the same for the report).
INSERT INTO mart_stage.followthrough_summary_public (election_id, province_code, region_code, reported_asn,
                                                     proven_asn, recommended, sanctioned, revoked, pending, overdue,
                                                     closed, followthrough_rate, median_days_to_sanction, as_of,
                                                     suppressed)
WITH flagged AS (
    SELECT election_id, province_code, region_code, reported_asn, proven_asn, recommended, sanctioned, revoked,
           pending, overdue, closed, followthrough_rate, median_days_to_sanction, as_of,
           sanctioned BETWEEN 1 AND %(k)s - 1 OR revoked BETWEEN 1 AND %(k)s - 1
           OR pending BETWEEN 1 AND %(k)s - 1 OR overdue BETWEEN 1 AND %(k)s - 1
           OR closed BETWEEN 1 AND %(k)s - 1 OR recommended BETWEEN 1 AND %(k)s - 1 AS status_hidden
    FROM mart_stage.followthrough_summary
)
SELECT election_id, province_code, region_code,
       CASE WHEN reported_asn BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE reported_asn END,
       CASE WHEN proven_asn BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE proven_asn END,
       CASE WHEN status_hidden THEN NULL ELSE recommended END,
       CASE WHEN sanctioned BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE sanctioned END,
       CASE WHEN revoked BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE revoked END,
       CASE WHEN pending BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE pending END,
       CASE WHEN overdue BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE overdue END,
       CASE WHEN closed BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE closed END,
       CASE WHEN status_hidden THEN NULL ELSE followthrough_rate END,
       CASE WHEN sanctioned BETWEEN 1 AND %(k)s - 1 THEN NULL ELSE median_days_to_sanction END,
       as_of,
       status_hidden OR reported_asn BETWEEN 1 AND %(k)s - 1 OR proven_asn BETWEEN 1 AND %(k)s - 1
FROM flagged;

INSERT INTO mart_stage.review_queue (recommendation_id, sanction_id, score, reasons, rec_asn_key, sanction_asn_key,
                                     ppk_agency, sanction_agency, issued_on, decree_date, as_of)
SELECT q.recommendation_id, q.sanction_id, q.score, q.reasons, r.asn_key, s.asn_key, r.ppk_agency, s.agency,
       r.issued_on, s.decree_date, %(as_of)s
FROM core.review_queue q
JOIN core.recommendations r USING (recommendation_id)
JOIN core.sanctions s USING (sanction_id)
WHERE r.issued_on <= %(as_of)s AND s.decree_date <= %(as_of)s;
