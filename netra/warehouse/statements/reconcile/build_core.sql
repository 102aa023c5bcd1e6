-- Core from the events in `new_events`: a temp table of what landed since the watermark (less the overlap,
-- reconcile/new_events_since.sql), or for a full rebuild a temp view of all of raw.events
-- (reconcile/new_events_all.sql), so nothing is copied. For each business id the latest event wins
-- (occurred_at, then event_id, so ties are deterministic), also against what core already holds (the WHERE
-- of each ON CONFLICT). The ids of the rows this run inserts or changes are kept in changed_* temp tables:
-- the link step and the marts recompute only what they touch.

-- reports, and their subjects rebuilt for every report whose row changed: from the winning event's own
-- subjects (kept with it here), so raw.events is not read a second time
CREATE TEMP TABLE report_winners ON COMMIT DROP AS
SELECT DISTINCT ON (payload->>'report_id')
       payload->>'report_id' AS report_id, payload->>'kind' AS kind, payload->>'election_id' AS election_id,
       payload->>'region_code' AS region_code, (payload->>'filed_on')::date AS filed_on,
       payload->>'category' AS category, payload->'subjects' AS subjects,
       enrichment->'subjects' AS enriched_subjects, event_id, occurred_at
FROM new_events WHERE event_type = 'report.filed'
ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC;

CREATE TEMP TABLE changed_reports (report_id text PRIMARY KEY) ON COMMIT DROP;
WITH up AS (
    INSERT INTO core.reports (report_id, kind, election_id, region_code, province_code, filed_on, category,
                              event_id, occurred_at)
    SELECT report_id, kind, election_id, region_code, split_part(region_code, '.', 1), filed_on, category,
           event_id, occurred_at
    FROM report_winners
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
SELECT w.report_id, s.ord::int, s.subject->>'nip', w.enriched_subjects->((s.ord - 1)::int)->>'asn_key',
       s.subject->>'name', s.subject->>'agency'
FROM report_winners w
JOIN changed_reports USING (report_id)
CROSS JOIN LATERAL jsonb_array_elements(w.subjects) WITH ORDINALITY AS s(subject, ord);

CREATE TEMP TABLE changed_decisions (report_id text) ON COMMIT DROP;
WITH up AS (
INSERT INTO core.decisions (report_id, decision, decided_on, proven_nips, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'report_id')
       payload->>'report_id', payload->>'decision', (payload->>'decided_on')::date,
       ARRAY(SELECT jsonb_array_elements_text(payload->'proven_nips')), event_id, occurred_at
FROM new_events WHERE event_type = 'report.decided'
ORDER BY payload->>'report_id', occurred_at DESC, event_id DESC
ON CONFLICT (report_id) DO UPDATE SET decision = EXCLUDED.decision, decided_on = EXCLUDED.decided_on,
    proven_nips = EXCLUDED.proven_nips, event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE (core.decisions.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > (core.decisions.occurred_at, core.decisions.event_id))
RETURNING report_id
)
INSERT INTO changed_decisions (report_id) SELECT report_id FROM up;

CREATE TEMP TABLE changed_recommendations (recommendation_id text) ON COMMIT DROP;
WITH up AS (
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
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > (core.recommendations.occurred_at, core.recommendations.event_id))
RETURNING recommendation_id
)
INSERT INTO changed_recommendations (recommendation_id) SELECT recommendation_id FROM up;

CREATE TEMP TABLE changed_closures (recommendation_id text) ON COMMIT DROP;
WITH up AS (
INSERT INTO core.recommendation_closures (recommendation_id, reason, closed_on, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'recommendation_id')
       payload->>'recommendation_id', payload->>'reason', (payload->>'closed_on')::date, event_id, occurred_at
FROM new_events WHERE event_type = 'recommendation.closed'
ORDER BY payload->>'recommendation_id', occurred_at DESC, event_id DESC
ON CONFLICT (recommendation_id) DO UPDATE SET reason = EXCLUDED.reason, closed_on = EXCLUDED.closed_on,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE (core.recommendation_closures.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id)
          > (core.recommendation_closures.occurred_at, core.recommendation_closures.event_id))
RETURNING recommendation_id
)
INSERT INTO changed_closures (recommendation_id) SELECT recommendation_id FROM up;

CREATE TEMP TABLE changed_sanctions (sanction_id text) ON COMMIT DROP;
WITH up AS (
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
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id) > (core.sanctions.occurred_at, core.sanctions.event_id))
RETURNING sanction_id
)
INSERT INTO changed_sanctions (sanction_id) SELECT sanction_id FROM up;

CREATE TEMP TABLE changed_revocations (sanction_id text) ON COMMIT DROP;
WITH up AS (
INSERT INTO core.sanction_revocations (sanction_id, revoked_on, reason, event_id, occurred_at)
SELECT DISTINCT ON (payload->>'sanction_id')
       payload->>'sanction_id', (payload->>'revoked_on')::date, payload->>'reason', event_id, occurred_at
FROM new_events WHERE event_type = 'sanction.revoked'
ORDER BY payload->>'sanction_id', occurred_at DESC, event_id DESC
ON CONFLICT (sanction_id) DO UPDATE SET revoked_on = EXCLUDED.revoked_on, reason = EXCLUDED.reason,
    event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at
WHERE (core.sanction_revocations.occurred_at IS NULL
       OR (EXCLUDED.occurred_at, EXCLUDED.event_id)
          > (core.sanction_revocations.occurred_at, core.sanction_revocations.event_id))
RETURNING sanction_id
)
INSERT INTO changed_revocations (sanction_id) SELECT sanction_id FROM up;
