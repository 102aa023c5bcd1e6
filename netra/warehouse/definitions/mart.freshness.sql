-- The freshness line on top of the report: what has landed and when the marts were last rebuilt.
-- A view (run with its owner's rights) so analysts see these times without reading raw or core.
CREATE OR REPLACE VIEW mart.freshness AS
SELECT (SELECT max(ingested_at) FROM raw.events) AS latest_event_landed_at,
       s.updated_at AS last_reconciled_at,
       s.last_as_of AS last_reconciled_as_of,
       s.watermark AS reconciled_through,
       (SELECT max(checked_at) FROM mart.quality_runs) AS last_audit_at
FROM (SELECT 1) AS one
LEFT JOIN core.reconcile_state s ON s.id = 1;
GRANT SELECT ON mart.freshness TO netra_analyst, netra_pipeline;
COMMENT ON VIEW mart.freshness IS
    'Latest event landed in raw.events, and the time, as-of day and watermark of the last published reconcile.';
