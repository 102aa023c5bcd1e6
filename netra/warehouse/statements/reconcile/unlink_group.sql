-- An incremental run: the verdicts it recomputes go, after a copy of the old links for the marts
-- (reconcile/relinked.sql): the group's (steps 1-2, their reference keys, out of scope), every fuzzy link and
-- the whole review queue (step 3 runs over all leftovers).
CREATE TEMP TABLE links_before ON COMMIT DROP AS
SELECT l.recommendation_id, l.sanction_id, l.link_method, l.link_score FROM core.links l
WHERE l.link_method = 'fuzzy'
   OR l.recommendation_id IN (SELECT recommendation_id FROM link_group_recommendations)
   OR l.sanction_id IN (SELECT sanction_id FROM link_group_sanctions);
DELETE FROM core.links l
WHERE l.link_method = 'fuzzy'
   OR l.recommendation_id IN (SELECT recommendation_id FROM link_group_recommendations)
   OR l.sanction_id IN (SELECT sanction_id FROM link_group_sanctions);
DELETE FROM core.review_queue;
DELETE FROM core.out_of_scope o WHERE o.sanction_id IN (SELECT sanction_id FROM link_group_sanctions);
DELETE FROM core.reference_keys k
WHERE (k.side = 'recommendation' AND k.id IN (SELECT recommendation_id FROM link_group_recommendations))
   OR (k.side = 'sanction' AND k.id IN (SELECT sanction_id FROM link_group_sanctions));
