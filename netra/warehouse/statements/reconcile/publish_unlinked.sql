-- Write-audit-publish, step 3 of a full mart build (after reconcile/publish_other_marts.sql): the staged
-- unlinked sanctions replace the published ones.
DELETE FROM mart.unlinked_sanctions;
INSERT INTO mart.unlinked_sanctions (sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date,
                                     revoked_on, has_nip, has_reference, as_of)
SELECT sanction_id, asn_key, agency, sanction_code, sanction_level, decree_date, revoked_on, has_nip, has_reference,
       as_of
FROM mart_stage.unlinked_sanctions;
