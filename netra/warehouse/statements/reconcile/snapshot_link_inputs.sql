-- An incremental run, before build_core.sql changes core: the link inputs (netra.reconcile.rules'
-- Recommendation and Sanction) of what it may change. reconcile/link_changes.sql compares them with the new
-- ones, so the link step knows which changed and where each one was before (its old NIP and reference).
-- The ids are collected first and each looked up through its index (LATERAL ... OFFSET 0, as
-- reconcile/link_by_keys_recommendations.sql says why): a join let the planner read all 1M rows of each.
CREATE TEMP TABLE link_before_recommendations ON COMMIT DROP AS
WITH ids AS MATERIALIZED (
    SELECT payload->>'recommendation_id' AS recommendation_id FROM new_events
    WHERE event_type = 'recommendation.issued'
    UNION
    SELECT r.recommendation_id
    FROM (SELECT DISTINCT payload->>'report_id' AS report_id FROM new_events WHERE event_type = 'report.filed') f
    CROSS JOIN LATERAL (SELECT r.recommendation_id FROM core.recommendations r WHERE r.report_id = f.report_id
                        OFFSET 0) r
)
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM ids CROSS JOIN LATERAL (SELECT * FROM core.recommendation_link_inputs i
                             WHERE i.recommendation_id = ids.recommendation_id OFFSET 0) i;
CREATE TEMP TABLE link_before_sanctions ON COMMIT DROP AS
WITH ids AS MATERIALIZED (
    SELECT DISTINCT payload->>'sanction_id' AS sanction_id FROM new_events WHERE event_type = 'sanction.imposed'
)
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM ids CROSS JOIN LATERAL (SELECT * FROM core.sanction_link_inputs i WHERE i.sanction_id = ids.sanction_id
                             OFFSET 0) i;
