-- After a full link run the planner's statistics describe the tables before their TRUNCATE and COPY:
-- refreshed before the marts join them.
ANALYZE core.links, core.review_queue, core.out_of_scope, core.reference_keys, core.fuzzy_pool;
