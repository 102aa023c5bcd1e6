-- The link ladder's input (netra.reconcile.rules.Recommendation) for these recommendation ids.
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM core.recommendation_link_inputs i WHERE i.recommendation_id = ANY(%(ids)s);
