-- The published run's watermark (never moving back), SLA and as-of day: the next incremental run starts here.
INSERT INTO core.reconcile_state (id, watermark, sla_days, last_as_of) VALUES (1, %(watermark)s, %(sla)s, %(as_of)s)
ON CONFLICT (id) DO UPDATE SET watermark = greatest(core.reconcile_state.watermark, EXCLUDED.watermark),
    sla_days = EXCLUDED.sla_days, last_as_of = EXCLUDED.last_as_of, updated_at = now();
