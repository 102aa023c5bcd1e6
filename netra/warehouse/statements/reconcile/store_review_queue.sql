-- One page of candidate pairs in the uncertain band: execute_values fills in the VALUES.
INSERT INTO core.review_queue (recommendation_id, sanction_id, score, reasons) VALUES %s;
