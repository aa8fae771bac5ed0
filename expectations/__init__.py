"""The gate's generic rules (Great Expectations), the personal-data scan and the gate policy.

Declarative table rules live in the dbt YAML beside each model and feed rules in each FeedSpec;
here is what applies the same way to every published table (gate.py, personal_data.py) and the
suites generated from the feeds' contracts (raw_feeds.py). Nothing here knows about Dagster:
`run_suite` validates a dataframe and returns a plain outcome that the orchestration layer turns
into an asset check result.
"""
