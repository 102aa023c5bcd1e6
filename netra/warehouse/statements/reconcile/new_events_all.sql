-- A full rebuild reads every event: `new_events` is a view of raw.events, not a copy of it (each step of
-- reconcile/build_core.sql reads the events of its type through raw.events' event_type index).
CREATE TEMP VIEW new_events AS
SELECT event_id, event_type, occurred_at, payload, enrichment FROM raw.events;
