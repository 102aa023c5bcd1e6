-- Where the last reconcile got to, and where this one starts reading: the overlap earlier, so a
-- transaction that committed late (ingested_at is its start time) is not missed. No row: never reconciled.
SELECT watermark, watermark - interval %(overlap)s FROM core.reconcile_state WHERE id = 1;
