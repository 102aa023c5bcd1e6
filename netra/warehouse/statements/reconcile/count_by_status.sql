-- What the run published, for its summary line: recommendations per status and link method (null: unlinked),
-- in one read of mart.followthrough.
SELECT status, link_method, count(*) FROM mart.followthrough GROUP BY 1, 2;
