-- The link step's summary line: links, review pairs and out-of-scope sanctions now in core.
SELECT (SELECT count(*) FROM core.links), (SELECT count(*) FROM core.review_queue),
       (SELECT count(*) FROM core.out_of_scope);
