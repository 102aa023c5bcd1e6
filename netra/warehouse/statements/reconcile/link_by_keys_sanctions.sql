-- The sanctions with one of these NIPs or naming one of these normalised references (as typed, or normalised
-- in core.reference_keys): one round of the link step's search for a group.
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM core.sanction_link_inputs i
WHERE i.sanction_id IN (
    SELECT s.sanction_id FROM core.sanctions s WHERE s.nip = ANY(%(nips)s)
    UNION SELECT s.sanction_id FROM core.sanctions s WHERE s.recommendation_ref = ANY(%(refs)s)
    UNION SELECT k.id FROM core.reference_keys k WHERE k.side = 'sanction' AND k.ref_key = ANY(%(refs)s));
