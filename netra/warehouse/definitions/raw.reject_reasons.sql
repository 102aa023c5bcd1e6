-- One row per (source, reason code): which rule breaks for whom.
CREATE OR REPLACE VIEW raw.reject_reasons AS
SELECT coalesce(source, 'topic:' || source_topic) AS source,
       split_part(reason, ':', 1) AS reason,
       count(*) AS rejected,
       count(*) FILTER (WHERE replayed_at IS NULL) AS rejected_not_replayed,
       max(landed_at) AS last_seen
FROM raw.rejected_events, unnest(reasons) AS reason
GROUP BY 1, 2;
GRANT SELECT ON raw.reject_reasons TO netra_pipeline;
