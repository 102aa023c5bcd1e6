-- Issue 11: an incremental reconcile's summary (reconcile/stage_summary_changes.sql) needs, per group, the median
-- days to sanction over the rows mart.followthrough will hold. Re-reading every published row for it (1M at
-- scale) cost 2.5 s of a run that changed 1 % of them; these counts of the published sanctioned rows per group
-- and number of days give the same median (percentile_cont's) from the rows that changed. Kept with the mart by
-- reconcile/publish.sql and publish_changes.sql, in the reconcile's transaction: it always describes what is
-- published. Groups as the summary names them ('unknown' for a missing code).
CREATE TABLE core.sanction_days (
    election_id   text NOT NULL,
    province_code text NOT NULL,
    region_code   text NOT NULL,
    days          int  NOT NULL,
    n             int  NOT NULL CHECK (n >= 0),
    PRIMARY KEY (election_id, province_code, region_code, days)
);
INSERT INTO core.sanction_days (election_id, province_code, region_code, days, n)
SELECT coalesce(election_id, 'unknown'), coalesce(province_code, 'unknown'), coalesce(region_code, 'unknown'),
       days_to_sanction, count(*)
FROM mart.followthrough WHERE status = 'sanctioned' AND days_to_sanction IS NOT NULL
GROUP BY 1, 2, 3, 4;
GRANT SELECT, INSERT, UPDATE, DELETE ON core.sanction_days TO netra_pipeline;
