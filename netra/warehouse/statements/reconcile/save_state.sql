-- The published run's watermark (never moving back), where the next run starts reading, SLA and as-of day;
-- the next incremental run keeps the links and the unchanged mart rows only with the same link and mart
-- settings.
INSERT INTO core.reconcile_state (id, watermark, read_from, sla_days, last_as_of, link_settings, marts_settings)
VALUES (1, %(watermark)s, %(read_from)s, %(sla)s, %(as_of)s, %(link_settings)s, %(marts_settings)s)
ON CONFLICT (id) DO UPDATE SET watermark = greatest(core.reconcile_state.watermark, EXCLUDED.watermark),
    read_from = least(EXCLUDED.read_from, greatest(core.reconcile_state.watermark, EXCLUDED.watermark)),
    sla_days = EXCLUDED.sla_days, last_as_of = EXCLUDED.last_as_of, link_settings = EXCLUDED.link_settings,
    marts_settings = EXCLUDED.marts_settings, updated_at = now();
