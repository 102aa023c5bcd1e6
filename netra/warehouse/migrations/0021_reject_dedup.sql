-- A re-sent identical reject is stored once (issue 10). Identity = the bytes as stored (key and
-- scrubbed value) per stage and source topic, among rejects not yet replayed:
-- * a re-send of the same bad message (new source offset, same bytes) is not a new problem;
-- * a redelivery of the same source offset was already stored once (the existing unique key);
-- * a replayed reject that is refused again IS stored again: its first row is marked replayed_at,
--   so it is outside this index, and the new row is the open one that says the fix did not work.
ALTER TABLE raw.rejected_events
    ADD COLUMN content_sha256 bytea GENERATED ALWAYS AS
        (sha256(coalesce(message_key, '\x'::bytea) || '\x00'::bytea || coalesce(message_value, '\x'::bytea))) STORED;

-- Keep the first of the identical open rejects already stored (they were counted twice).
DELETE FROM raw.rejected_events r
USING raw.rejected_events k
WHERE r.replayed_at IS NULL AND k.replayed_at IS NULL
  AND r.stage = k.stage AND r.source_topic = k.source_topic AND r.content_sha256 = k.content_sha256
  AND r.reject_id > k.reject_id;

CREATE UNIQUE INDEX rejected_events_open_content_uq
    ON raw.rejected_events (stage, source_topic, content_sha256) WHERE replayed_at IS NULL;
COMMENT ON COLUMN raw.rejected_events.content_sha256 IS
    'sha256(key || 0x00 || stored value): identical open rejects per stage and source topic are stored once.';
