-- An incremental run: the verdicts it recomputes go, after a copy of the old links for the marts
-- (reconcile/relinked.sql): links and review pairs touching what it touched (the group and the fuzzy
-- component), the group's out-of-scope verdicts and reference keys. The links are copied as they are deleted
-- (DELETE ... RETURNING): one pass over core.links rather than a copy and then a delete.
CREATE TEMP TABLE links_before (recommendation_id text, sanction_id text, link_method text, link_score numeric(4, 3))
ON COMMIT DROP;
WITH gone AS (
    DELETE FROM core.links l
    WHERE l.recommendation_id IN (SELECT recommendation_id FROM link_touched_recommendations)
       OR l.sanction_id IN (SELECT sanction_id FROM link_touched_sanctions)
    RETURNING l.recommendation_id, l.sanction_id, l.link_method, l.link_score
)
INSERT INTO links_before (recommendation_id, sanction_id, link_method, link_score)
SELECT recommendation_id, sanction_id, link_method, link_score FROM gone;
DELETE FROM core.review_queue q
WHERE q.recommendation_id IN (SELECT recommendation_id FROM link_touched_recommendations)
   OR q.sanction_id IN (SELECT sanction_id FROM link_touched_sanctions);
DELETE FROM core.out_of_scope o WHERE o.sanction_id IN (SELECT sanction_id FROM link_group_sanctions);
DELETE FROM core.reference_keys k
WHERE (k.side = 'recommendation' AND k.id IN (SELECT recommendation_id FROM link_group_recommendations))
   OR (k.side = 'sanction' AND k.id IN (SELECT sanction_id FROM link_group_sanctions));
