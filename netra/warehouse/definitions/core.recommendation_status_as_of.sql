-- Status of every recommendation as of day d (DESIGN.md §6). The one SQL implementation
-- behind mart.followthrough, mart.followthrough_summary and mart.followthrough_as_of;
-- netra.reconcile.rules.status is its executable specification (a test compares them).
-- Links come from the latest reconcile (core.links); a sanction decreed after d does not count at d.
-- Reads core with the caller's rights: the pipeline only (analysts use the SECURITY DEFINER functions in mart).
-- `only_ids`: just these recommendations (an incremental reconcile recomputes the rows that changed); given as a
-- constant the planner reads them by key, otherwise (null, the default) every recommendation.
CREATE OR REPLACE FUNCTION core.recommendation_status_as_of(d date, sla_days int, only_ids text[] DEFAULT NULL)
RETURNS TABLE (recommendation_id text, report_id text, election_id text, region_code text, province_code text,
               ppk_agency text, category text, asn_key text, recommended_level text, issued_on date,
               status text, sanction_id text, sanction_code int, sanction_level text, decree_date date,
               days_to_sanction int, severity_vs_recommended text, link_method text, link_score numeric)
LANGUAGE sql STABLE AS $$
    WITH rec AS (
        SELECT r.recommendation_id, r.report_id, p.election_id, p.region_code, p.province_code, r.ppk_agency,
               p.category, r.asn_key, r.level, r.issued_on,
               l.sanction_id, l.link_method, l.link_score,
               s.sanction_code, s.sanction_level, s.decree_date, rv.revoked_on, c.closed_on
        FROM core.recommendations r
        LEFT JOIN core.reports p ON p.report_id = r.report_id AND p.filed_on <= d
        LEFT JOIN core.links l ON l.recommendation_id = r.recommendation_id
        LEFT JOIN core.sanctions s ON s.sanction_id = l.sanction_id AND s.decree_date <= d
        LEFT JOIN core.sanction_revocations rv ON rv.sanction_id = s.sanction_id AND rv.revoked_on <= d
        LEFT JOIN core.recommendation_closures c ON c.recommendation_id = r.recommendation_id AND c.closed_on <= d
        WHERE r.issued_on <= d AND (only_ids IS NULL OR r.recommendation_id = ANY(only_ids))
    )
    SELECT recommendation_id, report_id, election_id, region_code, province_code, ppk_agency, category, asn_key,
           level, issued_on,
           CASE WHEN decree_date IS NOT NULL AND revoked_on IS NOT NULL THEN 'revoked'
                WHEN decree_date IS NOT NULL THEN 'sanctioned'
                WHEN closed_on IS NOT NULL THEN 'closed'
                WHEN d - issued_on > sla_days THEN 'overdue'
                ELSE 'pending' END,
           CASE WHEN decree_date IS NOT NULL THEN sanction_id END,
           CASE WHEN decree_date IS NOT NULL THEN sanction_code END,
           CASE WHEN decree_date IS NOT NULL THEN sanction_level END,
           decree_date,
           decree_date - issued_on,
           CASE WHEN decree_date IS NULL OR sanction_level IS NULL THEN NULL
                WHEN array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], sanction_level)
                   = array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], level) THEN 'as_recommended'
                WHEN array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], sanction_level)
                   < array_position(ARRAY['moral', 'ringan', 'sedang', 'berat'], level) THEN 'lighter'
                ELSE 'heavier' END,
           CASE WHEN decree_date IS NOT NULL THEN link_method END,
           CASE WHEN decree_date IS NOT NULL THEN link_score END
    FROM rec
$$;
REVOKE ALL ON FUNCTION core.recommendation_status_as_of(date, int, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.recommendation_status_as_of(date, int, text[]) TO netra_pipeline;
