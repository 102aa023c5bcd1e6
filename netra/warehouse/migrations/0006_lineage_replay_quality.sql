-- Ingress lineage on landed events, DLQ replay bookkeeping, ingest-quality views for operators.
ALTER TABLE raw.events
    ADD COLUMN source_topic     text,
    ADD COLUMN source_partition int,
    ADD COLUMN source_offset    bigint;

ALTER TABLE raw.rejected_events
    ADD COLUMN reporter_key text,           -- pseudonym of a scrubbed reporter identity (kept for replay)
    ADD COLUMN replayed_at  timestamptz;    -- set by `netra dlq replay`; the replay is a new ingress message

-- Accepted (distinct events) and rejected (messages) per source, for `netra dlq stats`.
CREATE VIEW raw.ingest_quality AS
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

-- One row per (source, reason code): which rule breaks for whom.
CREATE VIEW raw.reject_reasons AS
SELECT coalesce(source, 'topic:' || source_topic) AS source,
       split_part(reason, ':', 1) AS reason,
       count(*) AS rejected,
       count(*) FILTER (WHERE replayed_at IS NULL) AS rejected_not_replayed,
       max(landed_at) AS last_seen
FROM raw.rejected_events, unnest(reasons) AS reason
GROUP BY 1, 2;
