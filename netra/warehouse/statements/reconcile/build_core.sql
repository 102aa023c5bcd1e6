-- Incremental core: only events ingested since the watermark (less the overlap) are read; for each
-- business id the latest event wins (occurred_at, then event_id, so ties are deterministic), also
-- against what core already holds (the WHERE of each ON CONFLICT).
CREATE TEMP TABLE new_events ON COMMIT DROP AS
SELECT event_id, event_type, occurred_at, payload, enrichment FROM raw.events WHERE ingested_at > %(since)s;
-- a temp table has no statistics until analysed: without them the planner guesses its size
ANALYZE new_events;

-- reports, and their subjects rebuilt for every report whose row changed
CREATE TEMP TABLE changed_reports (report_id text PRIMARY KEY) ON COMMIT DROP;
WITH up AS (
    INSERT INTO core.reports (report_id, kind, election_id, region_code, province_code, filed_on, category,
                              event_id, occurred_at)
    SELECT DISTINCT ON (payload->>'report_id')
           payload->>'report_id', payload->>'kind', payload->>'election_id', payload->>'region_code',
           split_part(payload->>'region_code', '.', 1), (payload->>'filed_on')::date, payload->>'category',
           event_id, occurred_at
    FROM new_events WHERE event_type = 'report.filed'
    ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC
    ON CONFLICT (report_id) DO UPDATE SET kind = EXCLUDED.kind, election_id = EXCLUDED.election_id,
        region_code = EXCLUDED.region_code, province_code = EXCLUDED.province_code, filed_on = EXCLUDED.filed_on,
        category = EXCLUDED.category, event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
    WHERE (core.reports.occurred_at IS NULL
           OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > (core.reports.occurred_at, core.reports.event_id))
    RETURNING report_id
)
INSERT INTO changed_reports (report_id) SELECT report_id FROM up;

DELETE FROM core.subjects WHERE report_id IN (SELECT report_id FROM changed_reports);
INSERT INTO core.subjects (report_id, ordinal, nip, asn_key, name, agency)
SELECT r.report_id, s.ord::int, s.subject->>'nip', e.enrichment->'subjects'->((s.ord - 1)::int)->>'asn_key',
       s.subject->>'name', s.subject->>'agency'
FROM core.reports r
JOIN changed_reports USING (report_id)
JOIN raw.events e ON e.event_id = r.event_id
CROSS JOIN LATERAL jsonb_array_elements(e.payload->'subjects') WITH ORDINALITY AS s(subject, ord);

INSERT INTO core.decisions (report_id, decision, decided_on, proven_nips, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'report_id')
       payload->>'report_id', payload->>'decision', (payload->>'decided_on')::date,
       ARRAY(SELECT jsonb_array_elements_text(payload->'proven_nips')), event_id, occurred_at
FROM new_events WHERE event_type = 'report.decided'
ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC
ON CONFLICT (report_id) DO UPDATE SET decision = EXCLUDED.decision, decided_on = EXCLUDED.decided_on,
    proven_nips = EXCLUDED.proven_nips, event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE (core.decisions.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > (core.decisions.occurred_at, core.decisions.event_id));

INSERT INTO core.recommendations (recommendation_id, report_id, nip, asn_key, issuer, level, sanction_code,
                                  ppk_agency, issued_on, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'recommendation_id')
       payload->>'recommendation_id', payload->>'report_id', payload->>'nip', enrichment->'asn'->>'asn_key',
       payload->>'issuer', payload->>'level', (payload->>'sanction_code')::int, payload->>'ppk_agency',
       (payload->>'issued_on')::date, event_id, occurred_at
FROM new_events WHERE event_type = 'recommendation.issued'
ORDER BY payload->>'recommendation_id', occurred_at DESC, event_id DESC
ON CONFLICT (recommendation_id) DO UPDATE SET report_id = EXCLUDED.report_id, nip = EXCLUDED.nip,
    asn_key = EXCLUDED.asn_key, issuer = EXCLUDED.issuer, level = EXCLUDED.level,
    sanction_code = EXCLUDED.sanction_code, ppk_agency = EXCLUDED.ppk_agency, issued_on = EXCLUDED.issued_on,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE (core.recommendations.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > (core.recommendations.occurred_at, core.recommendations.event_id));

INSERT INTO core.recommendation_closures (recommendation_id, reason, closed_on, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'recommendation_id')
       payload->>'recommendation_id', payload->>'reason', (payload->>'closed_on')::date, event_id, occurred_at
FROM new_events WHERE event_type = 'recommendation.closed'
ORDER BY payload->>'recommendation_id', occurred_at DESC, event_id DESC
ON CONFLICT (recommendation_id) DO UPDATE SET reason = EXCLUDED.reason, closed_on = EXCLUDED.closed_on,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE (core.recommendation_closures.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id)
          > (core.recommendation_closures.occurred_at, core.recommendation_closures.event_id));

INSERT INTO core.sanctions (sanction_id, nip, name, agency, sanction_code, sanction_level, decree_date,
                            effective_from, effective_to, recommendation_ref, event_id, occurred_at, asn_key, reason)
SELECT DISTINCT ON (e.payload->>'sanction_id')
       e.payload->>'sanction_id', e.payload->>'nip', e.payload->>'name', e.payload->>'agency',
       (e.payload->>'sanction_code')::int, st.level, (e.payload->>'decree_date')::date,
       (e.payload->>'effective_from')::date, (e.payload->>'effective_to')::date,
       e.payload->>'recommendation_ref', e.event_id, e.occurred_at, e.enrichment->'asn'->>'asn_key',
       e.payload->>'reason'
FROM new_events e
LEFT JOIN ref.sanction_types st ON st.code = (e.payload->>'sanction_code')::int
WHERE e.event_type = 'sanction.imposed'
ORDER BY e.payload->>'sanction_id', e.occurred_at DESC, e.event_id DESC
ON CONFLICT (sanction_id) DO UPDATE SET nip = EXCLUDED.nip, name = EXCLUDED.name, agency = EXCLUDED.agency,
    sanction_code = EXCLUDED.sanction_code, sanction_level = EXCLUDED.sanction_level,
    decree_date = EXCLUDED.decree_date, effective_from = EXCLUDED.effective_from,
    effective_to = EXCLUDED.effective_to, recommendation_ref = EXCLUDED.recommendation_ref,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at, asn_key = EXCLUDED.asn_key,
    reason = EXCLUDED.reason
WHERE (core.sanctions.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > (core.sanctions.occurred_at, core.sanctions.event_id));

INSERT INTO core.sanction_revocations (sanction_id, revoked_on, reason, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'sanction_id')
       payload->>'sanction_id', (payload->>'revoked_on')::date, payload->>'reason', event_id, occurred_at
FROM new_events WHERE event_type = 'sanction.revoked'
ORDER BY payload->>'sanction_id', occurred_at DESC, event_id DESC
ON CONFLICT (sanction_id) DO UPDATE SET revoked_on = EXCLUDED.revoked_on, reason = EXCLUDED.reason,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE (core.sanction_revocations.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id)
          > (core.sanction_revocations.occurred_at, core.sanction_revocations.event_id));
