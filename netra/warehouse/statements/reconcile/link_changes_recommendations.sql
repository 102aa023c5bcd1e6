-- An incremental run's seeds: the recommendations it inserted, or changed so that their link inputs differ
-- (a report whose row changed may give another name), with the inputs they had before (all null: new).
-- The changed reports' recommendations and every id's inputs are read by key (LATERAL ... OFFSET 0, as in
-- reconcile/link_by_keys_recommendations.sql): the planner hash-joined all of core.recommendations twice.
WITH ids AS MATERIALIZED (
    SELECT recommendation_id FROM changed_recommendations
    UNION
    SELECT f.recommendation_id FROM changed_reports c
    CROSS JOIN LATERAL (SELECT r.recommendation_id FROM core.recommendations r
                        WHERE r.report_id = c.report_id OFFSET 0) f
)
SELECT n.recommendation_id, n.nip, n.issued_on, n.name, n.agency,
       b.recommendation_id, b.nip, b.issued_on, b.name, b.agency
FROM ids
CROSS JOIN LATERAL (SELECT * FROM core.recommendation_link_inputs n
                    WHERE n.recommendation_id = ids.recommendation_id OFFSET 0) n
LEFT JOIN link_before_recommendations b ON b.recommendation_id = n.recommendation_id
WHERE b.recommendation_id IS NULL
   OR (b.nip, b.issued_on, b.name, b.agency) IS DISTINCT FROM (n.nip, n.issued_on, n.name, n.agency);
