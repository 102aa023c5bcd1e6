-- The last successful (or the last failed) reconcile, for `netra status`.
SELECT finished_at, as_of, error, triggered_by, new_events FROM core.reconcile_runs
WHERE succeeded = %(succeeded)s ORDER BY finished_at DESC LIMIT 1;
