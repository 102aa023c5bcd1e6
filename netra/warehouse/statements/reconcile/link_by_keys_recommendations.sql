-- The recommendations with one of these NIPs or normalised references (an id equal to the key, or one whose
-- normalised form is in core.reference_keys): one round of the link step's search for a group.
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM core.recommendation_link_inputs i
WHERE i.recommendation_id IN (
    SELECT r.recommendation_id FROM core.recommendations r WHERE r.nip = ANY(%(nips)s)
    UNION SELECT r.recommendation_id FROM core.recommendations r WHERE r.recommendation_id = ANY(%(refs)s)
    UNION SELECT k.id FROM core.reference_keys k WHERE k.side = 'recommendation' AND k.ref_key = ANY(%(refs)s));
