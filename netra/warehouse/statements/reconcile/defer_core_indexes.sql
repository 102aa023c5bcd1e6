-- A full rebuild: core's secondary indexes are dropped while reconcile/build_core.sql fills the emptied tables
-- and built again afterwards (reconcile/restore_core_indexes.sql); see migration 0032.
SELECT core.defer_core_indexes();
