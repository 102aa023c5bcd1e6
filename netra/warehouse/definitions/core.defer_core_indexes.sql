-- The first half of a full rebuild's deferred indexes (migration 0032): drop the secondary indexes of the core
-- tables reconcile/build_core.sql fills, keeping each definition in core.deferred_indexes for
-- core.restore_core_indexes(). Only indexes that back no constraint: a primary key or unique constraint stays,
-- it is what each INSERT ... ON CONFLICT of the build arbitrates on. Drops nothing unless every one of those
-- tables is empty (a full rebuild has just truncated them, or nothing was ever reconciled): a populated table
-- keeps its indexes whoever calls it. Returns how many indexes it dropped.
CREATE OR REPLACE FUNCTION core.defer_core_indexes() RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    built regclass[] := ARRAY['core.reports', 'core.subjects', 'core.decisions', 'core.recommendations',
                              'core.recommendation_closures', 'core.sanctions', 'core.sanction_revocations'];
    t regclass;
    found boolean;
    r record;
    n int := 0;
BEGIN
    FOREACH t IN ARRAY built LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', t) INTO found;
        IF found THEN
            RETURN 0;
        END IF;
    END LOOP;
    FOR r IN
        SELECT i.indexrelid::regclass AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i
        WHERE i.indrelid = ANY (built)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
    LOOP
        INSERT INTO core.deferred_indexes (index_name, definition) VALUES (r.name::text, r.definition);
        EXECUTE format('DROP INDEX %s', r.name);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION core.defer_core_indexes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.defer_core_indexes() TO netra_pipeline;
