-- Data quality anyone can open (issue 13, item 3): the outcome of every mart audit, one row per
-- expectation, written by the audit code (netra/reconcile/quality.py) for both the reconcile's
-- write-audit-publish checkpoint and the daily check_warehouse_quality run. `netra report --html`
-- renders them, so nobody needs GX's Data Docs (whose index loads CSS/JS from CDNs) to see them.
-- In mart, so netra_analyst reads them; no row values are stored (no keys, no NIP-like text):
-- counts, the expectation, and for table-level expectations the observed value.
CREATE TABLE mart.quality_runs (
    run_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind       text NOT NULL CHECK (kind IN ('reconcile', 'check')),
    run_name   text NOT NULL,
    as_of      date,                               -- the as-of day of the audited marts
    checked_at timestamptz NOT NULL DEFAULT now(),
    success    boolean NOT NULL,
    published  boolean,                            -- reconcile: marts published; null for the daily check
    evaluated  int NOT NULL CHECK (evaluated >= 0),
    failed     int NOT NULL CHECK (failed >= 0 AND failed <= evaluated)
);
CREATE INDEX quality_runs_checked_at ON mart.quality_runs (checked_at DESC);

CREATE TABLE mart.quality_results (
    run_id             uuid NOT NULL REFERENCES mart.quality_runs (run_id) ON DELETE CASCADE,
    suite              text NOT NULL,              -- e.g. mart.followthrough.v1
    ordinal            int NOT NULL,               -- position of the expectation in its suite's result
    expectation        text NOT NULL,              -- GX expectation type
    target             text,                       -- the column(s) it checks
    rule               text,                       -- Netra's rule code (meta.rule)
    description        text,                       -- the rule in words (the expectation's notes)
    success            boolean NOT NULL,
    element_count      bigint,
    unexpected_count   bigint,
    unexpected_percent numeric,
    observed           text,                       -- table-level expectations: the observed value (JSON)
    error              text,                       -- the expectation raised instead of deciding
    PRIMARY KEY (run_id, suite, ordinal)
);

-- The freshness line on top of the report: what has landed and when the marts were last rebuilt.
-- A view (run with its owner's rights) so analysts see these times without reading raw or core.
CREATE VIEW mart.freshness AS
SELECT (SELECT max(ingested_at) FROM raw.events) AS latest_event_landed_at,
       s.updated_at AS last_reconciled_at,
       s.last_as_of AS last_reconciled_as_of,
       s.watermark AS reconciled_through,
       (SELECT max(checked_at) FROM mart.quality_runs) AS last_audit_at
FROM (SELECT 1) AS one
LEFT JOIN core.reconcile_state s ON s.id = 1;

GRANT SELECT ON mart.quality_runs, mart.quality_results, mart.freshness TO netra_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON mart.quality_runs, mart.quality_results TO netra_pipeline;
GRANT SELECT ON mart.freshness TO netra_pipeline;
COMMENT ON TABLE mart.quality_runs IS
    'One row per mart audit (reconcile checkpoint or daily check): pass/fail, expectations evaluated and failed.';
COMMENT ON TABLE mart.quality_results IS
    'One row per expectation of each audit in mart.quality_runs: pass/fail and unexpected counts, no row values.';
COMMENT ON VIEW mart.freshness IS
    'Latest event landed in raw.events, and the time, as-of day and watermark of the last published reconcile.';
