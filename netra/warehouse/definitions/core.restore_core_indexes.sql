-- The second half of a full rebuild's deferred indexes (migration 0032): build again, each in one pass over the
-- filled table, every index core.defer_core_indexes() dropped, from the definitions it kept; the rows of
-- core.deferred_indexes go as their index is made. Returns how many it built (0 when none was deferred).
CREATE OR REPLACE FUNCTION core.restore_core_indexes() RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    n int := 0;
BEGIN
    FOR r IN DELETE FROM core.deferred_indexes RETURNING definition LOOP
        EXECUTE r.definition;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION core.restore_core_indexes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.restore_core_indexes() TO netra_pipeline;
