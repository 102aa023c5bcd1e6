-- One page of links: psycopg2.extras.execute_values fills in the VALUES.
INSERT INTO core.links (recommendation_id, sanction_id, link_method, link_score) VALUES %s;
