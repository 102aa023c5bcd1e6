-- Every reconcile attempt, successful or not, so `netra status` can show the last success AND the
-- last failure (core.reconcile_state only moves on success: a failed run rolls back everything else).
CREATE TABLE core.reconcile_runs (
    run_id       bigserial PRIMARY KEY,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now(),
    as_of        date NOT NULL,
    succeeded    boolean NOT NULL,
    new_events   bigint,
    error        text,
    triggered_by text NOT NULL DEFAULT 'command'   -- command | airflow:<run_id>
);
CREATE INDEX reconcile_runs_outcome_idx ON core.reconcile_runs (succeeded, finished_at DESC);
COMMENT ON TABLE core.reconcile_runs IS
    'One row per reconcile attempt (netra reconcile, the reconcile_followthrough DAG): outcome, as-of day, error.';
GRANT USAGE, SELECT ON SEQUENCE core.reconcile_runs_run_id_seq TO netra_pipeline;
