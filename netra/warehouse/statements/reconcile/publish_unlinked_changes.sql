-- Write-audit-publish, step 3 of an incremental run (after reconcile/publish_other_marts.sql): the recomputed
-- unlinked-sanction rows replace theirs (a sanction in unlinked_changes without a staged row is no longer
-- unlinked); the other rows stay as published.
DELETE FROM mart.unlinked_sanctions u
WHERE EXISTS (SELECT 1 FROM unlinked_changes c WHERE c.sanction_id = u.sanction_id);
INSERT INTO mart.unlinked_sanctions (sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date,
                                     revoked_on, has_nip, has_reference, as_of)
SELECT sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date, revoked_on, has_nip, has_reference,
       as_of
FROM mart_stage.unlinked_sanctions;
