"""Dagster wiring of Insight Hub, one module per vertical slice: ingestion, identity, warehouse
(dbt), gate, publication, governance and operations; `definitions` assembles them, `resources`
reaches the warehouse, `policy` holds what every slice shares (pool, retries, owners, gate policy).

No business logic lives here: it calls ingestion/, identity/, publication/, expectations/ and dbt.
The command line is beside this package (cli/), not inside it.
"""
