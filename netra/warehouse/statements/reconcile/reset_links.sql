-- A full link run: the ladder runs over everything in core, so its previous verdicts go first.
TRUNCATE core.links, core.review_queue, core.out_of_scope, core.reference_keys, core.fuzzy_pool;
