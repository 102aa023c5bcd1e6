-- An incremental run, after the new links are stored: the recommendations whose link differs from before (a
-- new one, none any more, another sanction, method or score); their mart rows are recomputed.
CREATE TEMP TABLE relinked ON COMMIT DROP AS
SELECT coalesce(b.recommendation_id, n.recommendation_id) AS recommendation_id
FROM links_before b
FULL JOIN (SELECT l.recommendation_id, l.sanction_id, l.link_method, l.link_score FROM core.links l
           WHERE l.recommendation_id IN (SELECT recommendation_id FROM link_touched_recommendations)
              OR l.sanction_id IN (SELECT sanction_id FROM link_touched_sanctions)) n
    ON n.recommendation_id = b.recommendation_id
WHERE (b.sanction_id, b.link_method, b.link_score) IS DISTINCT FROM (n.sanction_id, n.link_method, n.link_score);
