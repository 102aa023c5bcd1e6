-- A full link run, steps 1-2: every sanction (rules.Sanction's field order), without the name and agency only
-- the fuzzy step needs (read for the leftovers only, reconcile/link_sanctions.sql).
SELECT sanction_id, nip, decree_date, recommendation_ref, NULL::text AS name, NULL::text AS agency, reason
FROM core.sanctions;
