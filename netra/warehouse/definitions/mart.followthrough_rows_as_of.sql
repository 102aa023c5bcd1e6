-- `netra report --as-of D`: mart.followthrough as it stood on day d (same columns, as_of = d), reading core as
-- its owner like mart.followthrough_as_of and exposing no more than mart.followthrough does.
-- sla_days defaults to the last run's.
CREATE OR REPLACE FUNCTION mart.followthrough_rows_as_of(d date, sla_days int DEFAULT NULL)
RETURNS TABLE (recommendation_id text, report_id text, election_id text, region_code text, province_code text,
               ppk_agency text, category text, asn_key text, recommended_level text, issued_on date,
               status text, sanction_id text, sanction_code int, sanction_level text, decree_date date,
               days_to_sanction int, severity_vs_recommended text, link_method text, link_score numeric,
               as_of date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT f.recommendation_id, f.report_id, f.election_id, f.region_code, f.province_code, f.ppk_agency,
           f.category, f.asn_key, f.recommended_level, f.issued_on, f.status, f.sanction_id, f.sanction_code,
           f.sanction_level, f.decree_date, f.days_to_sanction, f.severity_vs_recommended, f.link_method,
           f.link_score, d
    FROM core.recommendation_status_as_of(
        d, coalesce(sla_days, (SELECT s.sla_days FROM core.reconcile_state s WHERE s.id = 1), 30)) f
$$;
REVOKE ALL ON FUNCTION mart.followthrough_rows_as_of(date, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mart.followthrough_rows_as_of(date, int) TO netra_analyst, netra_pipeline;
