-- The link ladder's view of a recommendation (netra.reconcile.rules.Recommendation, in its field order): who,
-- when, and for the fuzzy step the name its report gives the recommended NIP and the PPK agency. Every read
-- of the ladder's input goes through here (netra/reconcile/relink.py), so they all agree on the name.
CREATE OR REPLACE VIEW core.recommendation_link_inputs AS
SELECT r.recommendation_id, r.nip, r.issued_on,
       (SELECT s.name FROM core.subjects s WHERE s.report_id = r.report_id AND s.nip = r.nip
        ORDER BY s.ordinal LIMIT 1) AS name,
       r.ppk_agency AS agency
FROM core.recommendations r;
GRANT SELECT ON core.recommendation_link_inputs TO netra_pipeline;
COMMENT ON VIEW core.recommendation_link_inputs IS
    'The link ladder''s input per recommendation (netra.reconcile.rules.Recommendation): id, NIP, issue date, '
    'the subject''s name, the PPK agency.';
