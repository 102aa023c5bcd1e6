-- Issue 11: a full rebuild (`netra reconcile --full`) empties core and fills it again from all of raw.events.
-- Inserting a million rows into tables whose secondary indexes (nip, report_id, recommendation_ref) are kept up
-- to date row by row, in random key order, took longer than building each index once afterwards (at 1M x 1M,
-- the statements timed in a rolled-back transaction on the same data: recommendations 14.5 s against 8.9 s,
-- sanctions 17.8 s against 14.6 s, index builds included). The pipeline login owns no table and may not drop an index:
-- core.defer_core_indexes() and core.restore_core_indexes() (netra/warehouse/definitions/) run as the owner and do
-- only that, for the emptied tables of a full rebuild. This table keeps the dropped indexes' definitions between
-- the two calls, inside the reconcile's transaction; only the owner reads or writes it.
CREATE TABLE core.deferred_indexes (
    index_name text PRIMARY KEY,
    definition text NOT NULL
);
REVOKE ALL ON core.deferred_indexes FROM PUBLIC, netra_pipeline, netra_analyst;
