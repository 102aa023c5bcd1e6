-- The link ladder runs over everything in core each time: its previous verdicts go first.
TRUNCATE core.links, core.review_queue, core.out_of_scope;
