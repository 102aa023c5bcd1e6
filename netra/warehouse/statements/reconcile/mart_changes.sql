-- An incremental run whose marts are kept (as-of day, SLA and k as the last published run's, links kept): the
-- recommendations whose followthrough row is recomputed (reconcile/stage_changes.sql): changed, or whose
-- report, closure, link, linked sanction or its revocation changed. Every other row's inputs are what the
-- published row was made from. Returned too: the stage passes them to the status function as a constant.
CREATE TEMP TABLE mart_changes (recommendation_id text PRIMARY KEY) ON COMMIT DROP;
INSERT INTO mart_changes (recommendation_id)
SELECT recommendation_id FROM changed_recommendations
UNION SELECT r.recommendation_id FROM core.recommendations r JOIN changed_reports c ON c.report_id = r.report_id
UNION SELECT recommendation_id FROM changed_closures
UNION SELECT recommendation_id FROM relinked
UNION SELECT l.recommendation_id FROM core.links l JOIN changed_sanctions c ON c.sanction_id = l.sanction_id
UNION SELECT l.recommendation_id FROM core.links l JOIN changed_revocations c ON c.sanction_id = l.sanction_id;
ANALYZE mart_changes;
SELECT recommendation_id FROM mart_changes;
