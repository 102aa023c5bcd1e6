"""Great Expectations suites for the domain rules the validator checks per micro-batch."""
