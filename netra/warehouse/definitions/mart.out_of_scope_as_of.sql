-- Analysts: out-of-scope sanctions counted per region, agency and reason as of day d (decrees up to d);
-- no NIP, no name.
CREATE OR REPLACE FUNCTION mart.out_of_scope_as_of(d date)
RETURNS TABLE (province_code text, region_code text, agency text, reason text, sanctions int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    -- a reason is free text: a NIP or NIK typed into it is masked, so analysts never read one
    SELECT coalesce(o.province_code, 'unknown'), coalesce(o.region_code, 'unknown'), o.agency,
           regexp_replace(o.reason, '[0-9]{16,18}', '[nomor disamarkan]', 'g'), count(*)::int
    FROM core.out_of_scope_sanctions o
    WHERE o.decree_date <= d
    GROUP BY 1, 2, 3, 4
$$;
REVOKE ALL ON FUNCTION mart.out_of_scope_as_of(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mart.out_of_scope_as_of(date) TO netra_analyst, netra_pipeline;
