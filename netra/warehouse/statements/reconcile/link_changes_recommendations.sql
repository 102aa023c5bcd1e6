-- An incremental run's seeds: the recommendations it inserted, or changed so that their link inputs differ
-- (a report whose row changed may give another name), with the inputs they had before (all null: new).
SELECT n.recommendation_id, n.nip, n.issued_on, n.name, n.agency,
       b.recommendation_id, b.nip, b.issued_on, b.name, b.agency
FROM core.recommendation_link_inputs n
LEFT JOIN link_before_recommendations b ON b.recommendation_id = n.recommendation_id
WHERE n.recommendation_id IN (SELECT recommendation_id FROM changed_recommendations
                              UNION SELECT r.recommendation_id FROM core.recommendations r
                                    JOIN changed_reports c ON c.report_id = r.report_id)
  AND (b.recommendation_id IS NULL
       OR (b.nip, b.issued_on, b.name, b.agency) IS DISTINCT FROM (n.nip, n.issued_on, n.name, n.agency));
