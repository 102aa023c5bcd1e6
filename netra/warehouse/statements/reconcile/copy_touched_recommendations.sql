-- The ids of the recommendations an incremental link step touched (reconcile/link_sets.sql), one per line.
COPY link_touched_recommendations (recommendation_id) FROM STDIN WITH (FORMAT csv)
