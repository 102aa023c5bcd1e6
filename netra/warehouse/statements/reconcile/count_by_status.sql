-- What the run published, for its summary line: recommendations per status.
SELECT status, count(*) FROM mart.followthrough GROUP BY 1;
