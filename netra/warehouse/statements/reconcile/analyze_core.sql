-- After a full rebuild the planner's statistics describe the emptied tables: refreshed here, inside the
-- transaction, before the link step and the marts join them (autovacuum would only see them after the commit).
ANALYZE core.reports, core.subjects, core.decisions, core.recommendations, core.recommendation_closures,
        core.sanctions, core.sanction_revocations;
