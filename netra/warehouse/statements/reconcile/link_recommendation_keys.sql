-- A full link run, steps 1-2 (netra.reconcile.rules.first_steps): every recommendation, without the name and
-- agency only the fuzzy step needs (those are read for the leftovers only, reconcile/link_recommendations.sql).
SELECT recommendation_id, nip, issued_on FROM core.recommendations;
