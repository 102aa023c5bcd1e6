-- The link ladder's input (netra.reconcile.rules.Sanction) for the sanctions in link_group_sanctions.
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM core.sanction_link_inputs i
JOIN link_group_sanctions g ON g.sanction_id = i.sanction_id;
