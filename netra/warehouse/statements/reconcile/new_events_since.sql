-- An incremental run reads only the events ingested since the watermark (less the overlap): a temp table
-- (reconcile/build_core.sql reads `new_events`), analysed, since a temp table has no statistics otherwise
-- and the planner would guess its size.
CREATE TEMP TABLE new_events ON COMMIT DROP AS
SELECT event_id, event_type, occurred_at, payload, enrichment FROM raw.events WHERE ingested_at > %(since)s;
ANALYZE new_events;
