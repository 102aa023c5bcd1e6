-- The link ladder's input (netra.reconcile.rules.Recommendation) for the recommendations in
-- link_group_recommendations.
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM core.recommendation_link_inputs i
JOIN link_group_recommendations g ON g.recommendation_id = i.recommendation_id;
