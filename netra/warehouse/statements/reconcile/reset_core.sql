-- `netra reconcile --full`: core is rebuilt from all of raw.events (the watermark is forgotten).
TRUNCATE core.reports, core.subjects, core.decisions, core.recommendations, core.recommendation_closures,
         core.sanctions, core.sanction_revocations, core.links, core.review_queue, core.out_of_scope;
DELETE FROM core.reconcile_state;
