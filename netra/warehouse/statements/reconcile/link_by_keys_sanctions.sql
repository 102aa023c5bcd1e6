-- The sanctions with one of these NIPs or naming one of these normalised references (as typed, or normalised
-- in core.reference_keys): one round of the link step's search for a group. Each key through its index, as in
-- reconcile/link_by_keys_recommendations.sql (says why).
WITH ids AS MATERIALIZED (
    SELECT f.sanction_id FROM unnest(%(nips)s::text[]) AS k(nip)
    CROSS JOIN LATERAL (SELECT s.sanction_id FROM core.sanctions s WHERE s.nip = k.nip OFFSET 0) f
    UNION
    SELECT f.sanction_id FROM unnest(%(refs)s::text[]) AS k(ref)
    CROSS JOIN LATERAL (SELECT s.sanction_id FROM core.sanctions s WHERE s.recommendation_ref = k.ref OFFSET 0) f
    UNION
    SELECT f.id FROM unnest(%(refs)s::text[]) AS k(ref)
    CROSS JOIN LATERAL (SELECT rk.id FROM core.reference_keys rk
                        WHERE rk.side = 'sanction' AND rk.ref_key = k.ref OFFSET 0) f
)
SELECT i.sanction_id, i.nip, i.decree_date, i.recommendation_ref, i.name, i.agency, i.reason
FROM ids
CROSS JOIN LATERAL (SELECT * FROM core.sanction_link_inputs i WHERE i.sanction_id = ids.sanction_id OFFSET 0) i;
