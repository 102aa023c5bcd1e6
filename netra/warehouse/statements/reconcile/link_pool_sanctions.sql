-- An incremental run, step 3: the sanctions outside the group that steps 1-2 left (neither linked by reference
-- or nip nor out of scope), for the fuzzy step.
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM core.sanction_link_inputs i
WHERE NOT EXISTS (SELECT 1 FROM core.links l WHERE l.sanction_id = i.sanction_id AND l.link_method <> 'fuzzy')
  AND NOT EXISTS (SELECT 1 FROM core.out_of_scope o WHERE o.sanction_id = i.sanction_id)
  AND NOT EXISTS (SELECT 1 FROM link_group_sanctions g WHERE g.sanction_id = i.sanction_id);
