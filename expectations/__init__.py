"""Great Expectations suites for the domain rules the validator checks per micro-batch."""
from expectations._deferred import defer

defer()  # before anything here imports great_expectations: scipy.stats and altair on first use only
