-- `netra replay` (netra/replay.py): landed events re-enriched with the current reference data, in place.
-- A replay rewrites only raw.events.enrichment and moves ingested_at to the time of the rewrite, so the next
-- incremental reconcile reads the row again (its watermark is max(ingested_at)); the first landing time is
-- kept in first_ingested_at and the run that changed the row in replay_id. Body, event id, Kafka position
-- and body_sha256 never change.
CREATE TABLE raw.replays (
    replay_id     bigserial PRIMARY KEY,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,                 -- null: still running, or stopped before the end
    filters       jsonb       NOT NULL,        -- the command line's selection (--type, --since, ...)
    matched       int,                         -- events selected and run through the enricher
    reenriched    int,                         -- of those, whose enrichment changed (rows rewritten)
    skipped       int,                         -- left as landed: not rebuilt exactly, or refused by the enricher
    by_type       jsonb                        -- {"<event_type>": {"matched": n, "reenriched": n, "skipped": n}}
);

ALTER TABLE raw.events
    ADD COLUMN first_ingested_at timestamptz,  -- set by the first replay that rewrites the row; null: ingested_at
    ADD COLUMN replay_id         bigint;       -- raw.replays row of the last replay that rewrote it

GRANT SELECT, INSERT, UPDATE ON raw.replays TO netra_pipeline;
GRANT USAGE, SELECT ON SEQUENCE raw.replays_replay_id_seq TO netra_pipeline;

COMMENT ON TABLE raw.replays IS
    'One row per `netra replay` run (not --dry-run): what it selected and how many events it re-enriched.';
COMMENT ON COLUMN raw.events.first_ingested_at IS
    'When the event first landed, kept when `netra replay` moves ingested_at; null while ingested_at is that time.';
COMMENT ON COLUMN raw.events.replay_id IS 'The raw.replays run that last rewrote this row''s enrichment.';
