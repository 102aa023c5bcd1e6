-- What the run published, for its summary line: linked recommendations per link method.
SELECT link_method, count(*) FROM mart.followthrough WHERE link_method IS NOT NULL GROUP BY 1;
