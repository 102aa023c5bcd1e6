-- mart.out_of_scope_as_of as of the last reconcile (the day the published marts are as of).
CREATE OR REPLACE VIEW mart.out_of_scope_sanctions AS
SELECT o.province_code, o.region_code, o.agency, o.reason, o.sanctions, st.last_as_of AS as_of
FROM core.reconcile_state st
CROSS JOIN LATERAL mart.out_of_scope_as_of(st.last_as_of) o;
GRANT SELECT ON mart.out_of_scope_sanctions TO netra_analyst, netra_pipeline;
COMMENT ON VIEW mart.out_of_scope_sanctions IS
    'Out-of-scope sanctions counted per region, agency and reason as of the last reconcile (no NIPs).';
