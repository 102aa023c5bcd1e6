-- Before the commit: the run's temp views go (they read temp tables that the commit drops).
DROP VIEW audit_recommendation_ids, audit_sanction_ids, audit_followthrough;
