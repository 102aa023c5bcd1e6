-- An incremental run, before build_core.sql changes core: the link inputs (netra.reconcile.rules'
-- Recommendation and Sanction) of what it may change. reconcile/link_changes.sql compares them with the new
-- ones, so the link step knows which changed and where each one was before (its old NIP and reference).
-- The ids are collected first and joined by key (an OR of the two subqueries was a pass over all of them).
CREATE TEMP TABLE link_before_recommendations ON COMMIT DROP AS
WITH ids AS (
    SELECT payload->>'recommendation_id' AS recommendation_id FROM new_events
    WHERE event_type = 'recommendation.issued'
    UNION
    SELECT r.recommendation_id FROM core.recommendations r
    WHERE r.report_id IN (SELECT payload->>'report_id' FROM new_events WHERE event_type = 'report.filed')
)
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM ids JOIN core.recommendation_link_inputs i ON i.recommendation_id = ids.recommendation_id;
CREATE TEMP TABLE link_before_sanctions ON COMMIT DROP AS
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM (SELECT DISTINCT payload->>'sanction_id' AS sanction_id FROM new_events WHERE event_type = 'sanction.imposed') ids
JOIN core.sanction_link_inputs i ON i.sanction_id = ids.sanction_id;
