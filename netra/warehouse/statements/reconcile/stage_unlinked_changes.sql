-- Write-audit-publish, step 1 of an incremental run (after reconcile/stage_other_marts.sql): the unlinked-
-- sanction rows of the sanctions whose row, revocation, link, review pair or scope may have changed (the
-- changed ones, and those the link step touched: reconcile/unlink_group.sql); every other sanction's row is the
-- published one.
CREATE TEMP TABLE unlinked_changes (sanction_id text PRIMARY KEY) ON COMMIT DROP;
INSERT INTO unlinked_changes (sanction_id)
SELECT sanction_id FROM changed_sanctions
UNION SELECT sanction_id FROM changed_revocations
UNION SELECT sanction_id FROM link_touched_sanctions;

INSERT INTO mart_stage.unlinked_sanctions (sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date,
                                           revoked_on, has_nip, has_reference, as_of)
SELECT s.sanction_id, s.asn_key, s.agency, s.sanction_code, s.sanction_level, s.decree_date, rv.revoked_on,
       s.nip IS NOT NULL, s.recommendation_ref IS NOT NULL, %(as_of)s
FROM core.sanctions s
JOIN unlinked_changes c ON c.sanction_id = s.sanction_id
LEFT JOIN core.sanction_revocations rv ON rv.sanction_id = s.sanction_id AND rv.revoked_on <= %(as_of)s
WHERE s.decree_date <= %(as_of)s
  AND NOT EXISTS (SELECT 1 FROM core.links l WHERE l.sanction_id = s.sanction_id)
  AND NOT EXISTS (SELECT 1 FROM core.review_queue q WHERE q.sanction_id = s.sanction_id)
  AND NOT EXISTS (SELECT 1 FROM core.out_of_scope o WHERE o.sanction_id = s.sanction_id);
