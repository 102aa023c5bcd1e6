-- Functions are executable by PUBLIC by default: the SECURITY DEFINER as-of function only for our roles.
REVOKE ALL ON FUNCTION mart.followthrough_as_of(date, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mart.followthrough_as_of(date, int) TO netra_analyst, netra_pipeline;

COMMENT ON TABLE raw.rejected_events IS
    'Everything refused: by the validator or enricher (from events.dlq) and by the sink (event_id.conflict). '
    'Reporter NIK and name are removed before storage.';
COMMENT ON FUNCTION mart.followthrough_as_of(date, int) IS
    'mart.followthrough_summary as it stood on day d: business dates up to d, with the current links and the '
    'current (latest) version of each record.';
