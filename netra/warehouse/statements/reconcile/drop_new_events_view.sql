-- A full rebuild, before the commit: the view of all events goes (an incremental run's new_events is a temp
-- table the commit drops), so the session can run another reconcile.
DROP VIEW new_events;
