-- Links as CSV lines (recommendation, sanction, method, score).
COPY core.links (recommendation_id, sanction_id, link_method, link_score) FROM STDIN WITH (FORMAT csv)
