-- The ids in core the audited followthrough rows (the temp view audit_followthrough, made by
-- reconcile/build_stage.sql or stage_changes.sql) may link to: the GX checkpoint's existence rules look up
-- only these, rather than every id in core. Dropped again before the commit (reconcile/drop_audit_views.sql).
CREATE OR REPLACE TEMP VIEW audit_sanction_ids AS
SELECT s.sanction_id FROM core.sanctions s
WHERE s.sanction_id IN (SELECT a.sanction_id FROM audit_followthrough a);
CREATE OR REPLACE TEMP VIEW audit_recommendation_ids AS
SELECT r.recommendation_id FROM core.recommendations r
WHERE r.recommendation_id IN (SELECT a.recommendation_id FROM audit_followthrough a);
