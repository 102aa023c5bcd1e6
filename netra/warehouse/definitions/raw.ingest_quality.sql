-- Accepted (distinct events) and rejected (messages) per source, for `netra dlq stats` and operators.
CREATE OR REPLACE VIEW raw.ingest_quality AS
WITH accepted AS (
    SELECT source, count(*) AS n, max(ingested_at) AS last_at FROM raw.events GROUP BY source
), rejected AS (
    SELECT coalesce(source, 'topic:' || source_topic) AS source, count(*) AS n,
           count(*) FILTER (WHERE replayed_at IS NULL) AS open_n, max(landed_at) AS last_at
    FROM raw.rejected_events GROUP BY 1
)
SELECT source,
       coalesce(a.n, 0) AS accepted,
       coalesce(r.n, 0) AS rejected,
       coalesce(r.open_n, 0) AS rejected_not_replayed,
       round(coalesce(r.n, 0)::numeric / (coalesce(a.n, 0) + coalesce(r.n, 0)), 4) AS reject_rate,
       greatest(a.last_at, r.last_at) AS last_seen
FROM accepted a FULL JOIN rejected r USING (source);
GRANT SELECT ON raw.ingest_quality TO netra_pipeline;
