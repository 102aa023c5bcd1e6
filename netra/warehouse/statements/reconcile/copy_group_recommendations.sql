-- The ids of reconcile/link_sets.sql's recommendations, one per line.
COPY link_group_recommendations (recommendation_id) FROM STDIN WITH (FORMAT csv)
