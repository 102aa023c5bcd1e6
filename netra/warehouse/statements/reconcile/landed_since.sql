-- The new watermark and how many events landed after the old one: two index scans on raw.events(ingested_at)
-- (migration 0023), not a pass over all events. And where the next run must start reading (read_from):
-- ingested_at is the start time of the sink's transaction, so a transaction still open now may commit rows
-- older than the watermark. The oldest start among the open transactions of roles that may insert into
-- raw.events bounds them; when none is open the next run reads from the watermark itself. When such a
-- session's activity is hidden from this login (another role's), it falls back to the fixed overlap.
WITH writers AS (
    SELECT a.xact_start, a.state FROM pg_stat_activity a
    WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
      AND has_table_privilege(a.usesysid, 'raw.events', 'INSERT')
), now_landed AS (
    SELECT coalesce((SELECT max(ingested_at) FROM raw.events), '-infinity'::timestamptz) AS watermark
)
SELECT n.watermark,
       (SELECT count(*) FROM raw.events WHERE ingested_at > %(watermark)s),
       CASE WHEN EXISTS (SELECT 1 FROM writers w WHERE w.state IS NULL)
            THEN n.watermark - interval %(overlap)s
            ELSE least(n.watermark, (SELECT min(w.xact_start) FROM writers w) - interval '1 second') END
FROM now_landed n;
