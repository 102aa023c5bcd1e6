-- Out-of-scope sanctions decreed by the run's as-of day (mart.out_of_scope_sanctions counts the same).
SELECT count(*) FROM core.out_of_scope o JOIN core.sanctions s USING (sanction_id) WHERE s.decree_date <= %(as_of)s;
