-- The link ladder's input (netra.reconcile.rules.Sanction, in its field order): every sanction in core.
SELECT sanction_id, nip, decree_date, recommendation_ref, name, agency, reason FROM core.sanctions;
