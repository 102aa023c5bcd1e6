-- An incremental run, step 3: the recommendations outside the group that steps 1-2 left unlinked (no
-- reference or nip link in core.links: their outcome there is the previous run's), for the fuzzy step.
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM core.recommendation_link_inputs i
WHERE NOT EXISTS (SELECT 1 FROM core.links l
                  WHERE l.recommendation_id = i.recommendation_id AND l.link_method <> 'fuzzy')
  AND NOT EXISTS (SELECT 1 FROM link_group_recommendations g WHERE g.recommendation_id = i.recommendation_id);
