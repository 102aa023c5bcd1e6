-- Where the last reconcile got to, and where this one starts reading (read_from, which the last run worked
-- out: reconcile/landed_since.sql; without it, the fixed overlap before the watermark). No row: never
-- reconciled. With it, what the published links and marts were made with (null: recompute them in full).
SELECT watermark, coalesce(read_from, watermark - interval %(overlap)s), link_settings, marts_settings
FROM core.reconcile_state WHERE id = 1;
