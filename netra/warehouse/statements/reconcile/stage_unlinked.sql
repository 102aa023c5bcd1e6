-- Write-audit-publish, step 1 of a full mart build (after reconcile/stage_other_marts.sql): every sanction
-- decreed by the run's day that is neither linked, nor under review, nor out of scope.
INSERT INTO mart_stage.unlinked_sanctions (sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date,
                                           revoked_on, has_nip, has_reference, as_of)
SELECT s.sanction_id, s.asn_key, s.agency, s.sanction_code, s.sanction_level, s.decree_date, rv.revoked_on,
       s.nip IS NOT NULL, s.recommendation_ref IS NOT NULL, %(as_of)s
FROM core.sanctions s
LEFT JOIN core.sanction_revocations rv ON rv.sanction_id = s.sanction_id AND rv.revoked_on <= %(as_of)s
WHERE s.decree_date <= %(as_of)s
  AND NOT EXISTS (SELECT 1 FROM core.links l WHERE l.sanction_id = s.sanction_id)
  AND NOT EXISTS (SELECT 1 FROM core.review_queue q WHERE q.sanction_id = s.sanction_id)
  AND NOT EXISTS (SELECT 1 FROM core.out_of_scope o WHERE o.sanction_id = s.sanction_id);
