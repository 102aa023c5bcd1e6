-- Agency names the enricher could not map to a canonical BKN agency: add aliases for the frequent ones.
CREATE OR REPLACE VIEW raw.unmatched_agencies AS
SELECT a->>'name' AS agency_name, e.event_type, count(*) AS events, max(e.ingested_at) AS last_seen
FROM raw.events e
CROSS JOIN LATERAL (
    SELECT jsonb_array_elements(e.enrichment->'subjects')->'agency'
    UNION ALL SELECT e.enrichment->'ppk_agency'
    UNION ALL SELECT e.enrichment->'agency'
) AS x(a)
WHERE a IS NOT NULL AND a->>'bkn_id' IS NULL
GROUP BY 1, 2;
GRANT SELECT ON raw.unmatched_agencies TO netra_pipeline;
