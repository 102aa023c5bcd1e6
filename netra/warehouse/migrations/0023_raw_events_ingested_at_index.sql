-- The incremental reconcile reads only what landed since its watermark
-- (`WHERE ingested_at > watermark - overlap`, netra/reconcile/run.py). Without an index that
-- is a sequential scan of all of raw.events on every run, however little is new (issue 11).
-- BRIN would be smaller, but ingested_at is the sink transaction's start time, and
-- transactions commit out of order: a btree stays exact at any physical order.
CREATE INDEX IF NOT EXISTS events_ingested_at_idx ON raw.events (ingested_at);
