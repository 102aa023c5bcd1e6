-- The link ladder's input (netra.reconcile.rules.Recommendation, in its field order): every
-- recommendation in core, with the name its report gives the recommended NIP.
SELECT r.recommendation_id, r.nip, r.issued_on,
       (SELECT s.name FROM core.subjects s WHERE s.report_id = r.report_id AND s.nip = r.nip
        ORDER BY s.ordinal LIMIT 1) AS name,
       r.ppk_agency
FROM core.recommendations r;
