-- The link ladder's input (netra.reconcile.rules.Sanction) for these sanction ids.
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM core.sanction_link_inputs i WHERE i.sanction_id = ANY(%(ids)s);
