-- An alert the broker acknowledged: recorded so the next run does not send it again.
INSERT INTO core.overdue_alerts (recommendation_id, event_id, as_of) VALUES (%(recommendation_id)s, %(event_id)s, %(as_of)s)
ON CONFLICT (recommendation_id) DO NOTHING;
