-- One reconcile attempt, successful or not (core.reconcile_runs; `netra status` reads the last of each).
INSERT INTO core.reconcile_runs (started_at, as_of, succeeded, new_events, error, triggered_by)
VALUES (%(started_at)s, %(as_of)s, %(succeeded)s, %(new_events)s, %(error)s, %(triggered_by)s);
