-- Overdue recommendations in the published mart that were never alerted (core.overdue_alerts), in id order.
SELECT f.recommendation_id, f.report_id, f.ppk_agency, f.recommended_level, f.issued_on, f.election_id,
       f.region_code
FROM mart.followthrough f
LEFT JOIN core.overdue_alerts a USING (recommendation_id)
WHERE f.status = 'overdue' AND a.recommendation_id IS NULL
ORDER BY f.recommendation_id;
