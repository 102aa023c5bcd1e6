-- Revised DESIGN.md §6: a sanction's reason decides whether it may link by NIP or fuzzily.
-- BKPSDM exports hold every disciplinary sanction; one whose reason is present and names no
-- election-neutrality offence (NETRA_NEUTRALITY_REASON) is out of scope: it links only by
-- reference and is not an "unlinked sanction". The link step (netra.reconcile.rules) decides
-- and stores its verdict in core.out_of_scope; the views below show what was left out and why.

ALTER TABLE core.sanctions ADD COLUMN reason text;
-- Re-read the reason of sanctions already in core (they were built before the column existed).
UPDATE core.sanctions s SET reason = e.payload->>'reason' FROM raw.events e WHERE e.event_id = s.event_id;

CREATE TABLE core.out_of_scope (
    sanction_id text PRIMARY KEY
);

-- Pipeline view, with NIPs and names: every out-of-scope sanction, its reason and where it belongs.
-- The region is the canonical agency's (the enricher's match), else unknown.
CREATE VIEW core.out_of_scope_sanctions AS
SELECT s.sanction_id, s.nip, s.name, s.agency, ag.region_code, split_part(ag.region_code, '.', 1) AS province_code,
       s.sanction_code, s.sanction_level, s.decree_date, s.reason
FROM core.out_of_scope o
JOIN core.sanctions s USING (sanction_id)
LEFT JOIN raw.events e ON e.event_id = s.event_id
LEFT JOIN ref.agencies ag ON ag.bkn_id = e.enrichment->'agency'->>'bkn_id';
GRANT SELECT ON core.out_of_scope, core.out_of_scope_sanctions TO netra_pipeline;

-- Analysts: counts per region, agency and reason as of day d (decrees up to d); no NIP, no name.
CREATE FUNCTION mart.out_of_scope_as_of(d date)
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

-- The same as of the last reconcile (the day the published marts are as of).
CREATE VIEW mart.out_of_scope_sanctions AS
SELECT o.*, st.last_as_of AS as_of
FROM core.reconcile_state st
CROSS JOIN LATERAL mart.out_of_scope_as_of(st.last_as_of) o;
GRANT SELECT ON mart.out_of_scope_sanctions TO netra_analyst, netra_pipeline;

COMMENT ON VIEW core.out_of_scope_sanctions IS
    'Sanctions whose reason names no election-neutrality offence (NETRA_NEUTRALITY_REASON) and that no '
    'reference links: left out of the nip/fuzzy steps and of mart.unlinked_sanctions (DESIGN.md §6).';
COMMENT ON VIEW mart.out_of_scope_sanctions IS
    'Out-of-scope sanctions counted per region, agency and reason as of the last reconcile (no NIPs).';
