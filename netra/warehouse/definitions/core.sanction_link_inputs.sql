-- The link ladder's view of a sanction (netra.reconcile.rules.Sanction, in its field order); the reason decides
-- whether it may link by NIP or fuzzily (DESIGN.md §6).
CREATE OR REPLACE VIEW core.sanction_link_inputs AS
SELECT s.sanction_id, s.nip, s.decree_date, s.recommendation_ref, s.name, s.agency, s.reason
FROM core.sanctions s;
GRANT SELECT ON core.sanction_link_inputs TO netra_pipeline;
COMMENT ON VIEW core.sanction_link_inputs IS
    'The link ladder''s input per sanction (netra.reconcile.rules.Sanction): id, NIP, decree date, the '
    'recommendation it names, name, agency, reason.';
