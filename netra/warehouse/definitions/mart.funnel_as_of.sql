-- `netra report --as-of D`: mart.funnel as it stood on day d (reports filed, decisions taken and letters
-- issued by d), reading core as its owner and exposing no more than mart.funnel does.
CREATE OR REPLACE FUNCTION mart.funnel_as_of(d date, sla_days int DEFAULT NULL)
RETURNS TABLE (election_id text, reported bigint, registered bigint, proven bigint, recommended bigint,
               sanctioned bigint, as_of date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH rep AS (
        SELECT * FROM core.reports WHERE filed_on <= d
    ), dec AS (
        SELECT * FROM core.decisions WHERE decided_on <= d
    ), subjects AS (
        SELECT r.election_id, count(*) AS reported,
               count(*) FILTER (WHERE dc.decision IS DISTINCT FROM 'not_registered') AS registered
        FROM core.subjects s JOIN rep r USING (report_id)
        LEFT JOIN dec dc USING (report_id)
        GROUP BY 1
    ), proven AS (
        SELECT r.election_id, sum(cardinality(dc.proven_nips)) AS proven
        FROM dec dc JOIN rep r USING (report_id) WHERE dc.decision = 'proven' GROUP BY 1
    ), ft AS (
        SELECT coalesce(f.election_id, 'unknown') AS election_id, count(*) AS recommended,
               count(*) FILTER (WHERE f.status = 'sanctioned') AS sanctioned
        FROM mart.followthrough_rows_as_of(d, sla_days) f GROUP BY 1
    )
    SELECT election_id, coalesce(s.reported, 0), coalesce(s.registered, 0), coalesce(p.proven, 0)::bigint,
           coalesce(ft.recommended, 0), coalesce(ft.sanctioned, 0), d
    FROM subjects s FULL JOIN proven p USING (election_id) FULL JOIN ft USING (election_id)
$$;
REVOKE ALL ON FUNCTION mart.funnel_as_of(date, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mart.funnel_as_of(date, int) TO netra_analyst, netra_pipeline;
