-- After a full rebuild's reconcile/build_core.sql: the indexes reconcile/defer_core_indexes.sql dropped, built
-- again in one pass each (before the ANALYZE and the link step, which read core by them).
SELECT core.restore_core_indexes();
