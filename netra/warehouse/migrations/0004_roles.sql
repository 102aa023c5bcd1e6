-- Least-privilege group roles (NOLOGIN: grant them to login users). netra_analyst reads mart and ref only.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'netra_pipeline') THEN
        CREATE ROLE netra_pipeline NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'netra_analyst') THEN
        CREATE ROLE netra_analyst NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA raw, core, mart, ref TO netra_pipeline;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA raw, core, mart, ref TO netra_pipeline;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA raw TO netra_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA raw, core, mart, ref
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO netra_pipeline;

REVOKE ALL ON SCHEMA raw, core FROM netra_analyst;
GRANT USAGE ON SCHEMA mart, ref TO netra_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA mart, ref TO netra_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA mart, ref GRANT SELECT ON TABLES TO netra_analyst;
