-- Where the last reconcile got to, and where this one starts reading: the overlap earlier, so a
-- transaction that committed late (ingested_at is its start time) is not missed. No row: never reconciled.
-- With it, what the published links and marts were made with (null: recompute them in full).
SELECT watermark, watermark - interval %(overlap)s, link_settings, marts_settings
FROM core.reconcile_state WHERE id = 1;
