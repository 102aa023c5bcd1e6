-- Pipeline view, with NIPs and names: every out-of-scope sanction (core.out_of_scope, the link step's
-- verdict), its reason and where it belongs. The region is the canonical agency's (the enricher's match),
-- else unknown.
CREATE OR REPLACE VIEW core.out_of_scope_sanctions AS
SELECT s.sanction_id, s.nip, s.name, s.agency, ag.region_code, split_part(ag.region_code, '.', 1) AS province_code,
       s.sanction_code, s.sanction_level, s.decree_date, s.reason
FROM core.out_of_scope o
JOIN core.sanctions s USING (sanction_id)
LEFT JOIN raw.events e ON e.event_id = s.event_id
LEFT JOIN ref.agencies ag ON ag.bkn_id = e.enrichment->'agency'->>'bkn_id';
GRANT SELECT ON core.out_of_scope_sanctions TO netra_pipeline;
COMMENT ON VIEW core.out_of_scope_sanctions IS
    'Sanctions whose reason names no election-neutrality offence (NETRA_NEUTRALITY_REASON) and that no '
    'reference links: left out of the nip/fuzzy steps and of mart.unlinked_sanctions (DESIGN.md §6).';
