-- An incremental run: the group leaves the fuzzy pool (its leftovers come back with their new keys, by COPY);
-- which of them were in it is what the component search starts from as well.
DELETE FROM core.fuzzy_pool p
WHERE (p.side = 'recommendation' AND p.id IN (SELECT recommendation_id FROM link_group_recommendations))
   OR (p.side = 'sanction' AND p.id IN (SELECT sanction_id FROM link_group_sanctions))
RETURNING p.side, p.id;
