-- An incremental run's seeds: the sanctions it inserted, or changed so that their link inputs differ, with the
-- inputs they had before (all null: new).
SELECT n.sanction_id, n.nip, n.decree_date, n.recommendation_ref, n.name, n.agency, n.reason,
       b.sanction_id, b.nip, b.decree_date, b.recommendation_ref, b.name, b.agency, b.reason
FROM core.sanction_link_inputs n
LEFT JOIN link_before_sanctions b ON b.sanction_id = n.sanction_id
WHERE n.sanction_id IN (SELECT sanction_id FROM changed_sanctions)
  AND (b.sanction_id IS NULL
       OR (b.nip, b.decree_date, b.recommendation_ref, b.name, b.agency, b.reason)
          IS DISTINCT FROM (n.nip, n.decree_date, n.recommendation_ref, n.name, n.agency, n.reason));
