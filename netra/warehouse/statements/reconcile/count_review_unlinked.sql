-- What the run published, for its summary line: candidate pairs to review, and sanctions that link to nothing.
SELECT (SELECT count(*) FROM mart.review_queue), (SELECT count(*) FROM mart.unlinked_sanctions);
