-- Candidate pairs in the review band as CSV lines (recommendation, sanction, score, reasons as a text[] literal).
COPY core.review_queue (recommendation_id, sanction_id, score, reasons) FROM STDIN WITH (FORMAT csv)
