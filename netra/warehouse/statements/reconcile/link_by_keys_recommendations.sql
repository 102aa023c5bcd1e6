-- The recommendations with one of these NIPs or normalised references (an id equal to the key, or one whose
-- normalised form is in core.reference_keys): one round of the link step's search for a group.
-- Each key is looked up through its index (a LATERAL subquery that OFFSET 0 keeps from being flattened):
-- with thousands of keys the planner overestimates `= ANY(array)` and scanned all of core.recommendations,
-- 1-2 s a round at 1M (BENCHMARKS.md, "Reconcile growth").
WITH ids AS MATERIALIZED (
    SELECT f.recommendation_id FROM unnest(%(nips)s::text[]) AS k(nip)
    CROSS JOIN LATERAL (SELECT r.recommendation_id FROM core.recommendations r WHERE r.nip = k.nip OFFSET 0) f
    UNION
    SELECT f.recommendation_id FROM unnest(%(refs)s::text[]) AS k(ref)
    CROSS JOIN LATERAL (SELECT r.recommendation_id FROM core.recommendations r
                        WHERE r.recommendation_id = k.ref OFFSET 0) f
    UNION
    SELECT f.id FROM unnest(%(refs)s::text[]) AS k(ref)
    CROSS JOIN LATERAL (SELECT rk.id FROM core.reference_keys rk
                        WHERE rk.side = 'recommendation' AND rk.ref_key = k.ref OFFSET 0) f
)
SELECT i.recommendation_id, i.nip, i.issued_on, i.name, i.agency
FROM ids
CROSS JOIN LATERAL (SELECT * FROM core.recommendation_link_inputs i
                    WHERE i.recommendation_id = ids.recommendation_id OFFSET 0) i;
