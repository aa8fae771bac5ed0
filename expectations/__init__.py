"""Great Expectations suites as code, one per gated table or feed, and the gate policy.

Nothing here knows about Dagster: `run_suite` validates a dataframe and returns a plain outcome
that the orchestration layer turns into an asset check result.
"""
