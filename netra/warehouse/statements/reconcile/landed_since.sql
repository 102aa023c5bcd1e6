-- The new watermark and how many events landed after the old one: two index scans on
-- raw.events(ingested_at) (migration 0023), not a pass over all events.
SELECT coalesce((SELECT max(ingested_at) FROM raw.events), '-infinity'),
       (SELECT count(*) FROM raw.events WHERE ingested_at > %(watermark)s);
