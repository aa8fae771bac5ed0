"""The operations slice: when runs start (the nightly job, its schedule, the landing sensor),
freshness of the feeds and of the release, alerts, and the run lock of in-process runs."""
