"""Dagster wiring of Insight Hub: assets, checks, jobs, schedules, sensors, resources and the CLI.

No business logic lives here: it calls ingestion/, identity/, publication/, expectations/ and dbt.
"""
