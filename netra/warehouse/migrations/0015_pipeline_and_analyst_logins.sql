-- Least privilege (issue 13): the stages, reconcile and the DAGs log in as netra_pipeline, which may read and
-- write the data but not change the schema, create roles or databases; analysts are LOGIN members of
-- netra_analyst (`netra db create-analyst NAME`), which reads mart and ref only. Migrations run as the owner.
-- The password is set by `netra db migrate` from NETRA_PG_PIPELINE_PASSWORD (never stored in a migration).
ALTER ROLE netra_pipeline LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE netra_analyst NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- Who may connect at all: only our roles (and the owner); nobody may create objects in public.
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO netra_pipeline', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO netra_analyst', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- The pipeline: data in every Netra schema (incl. mart_stage from 0008), their sequences and functions.
GRANT USAGE ON SCHEMA raw, core, mart, mart_stage, ref TO netra_pipeline;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA raw, core, mart, mart_stage, ref
    TO netra_pipeline;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA raw, core, mart, mart_stage, ref TO netra_pipeline;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA core, mart TO netra_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA raw, core, mart, mart_stage, ref
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO netra_pipeline;
ALTER DEFAULT PRIVILEGES IN SCHEMA raw, core, mart, mart_stage, ref
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO netra_pipeline;
GRANT SELECT ON public.netra_migrations TO netra_pipeline;

-- The analyst: mart and ref, nothing else (0004 granted those; this makes sure of the rest).
REVOKE ALL ON SCHEMA raw, core, mart_stage FROM netra_analyst;
REVOKE ALL ON ALL TABLES IN SCHEMA raw, core, mart_stage FROM netra_analyst;
GRANT USAGE ON SCHEMA mart, ref TO netra_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA mart, ref TO netra_analyst;
