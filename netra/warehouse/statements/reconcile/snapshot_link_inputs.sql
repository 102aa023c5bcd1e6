-- An incremental run, before build_core.sql changes core: the link inputs (netra.reconcile.rules'
-- Recommendation and Sanction) of what it may change. reconcile/link_changes.sql compares them with the new
-- ones, so the link step knows which changed and where each one was before (its old NIP and reference).
CREATE TEMP TABLE link_before_recommendations ON COMMIT DROP AS
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM core.recommendation_link_inputs i
JOIN core.recommendations r USING (recommendation_id)
WHERE r.recommendation_id IN (SELECT payload->>'recommendation_id' FROM new_events
                              WHERE event_type = 'recommendation.issued')
   OR r.report_id IN (SELECT payload->>'report_id' FROM new_events WHERE event_type = 'report.filed');
CREATE TEMP TABLE link_before_sanctions ON COMMIT DROP AS
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM core.sanction_link_inputs i
WHERE i.sanction_id IN (SELECT payload->>'sanction_id' FROM new_events WHERE event_type = 'sanction.imposed');
