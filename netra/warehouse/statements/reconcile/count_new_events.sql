-- An incremental run: how many events it reads (those since the watermark, and any landed before it by
-- transactions still open at the last run).
SELECT count(*) FROM new_events;
