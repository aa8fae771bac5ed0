"""`insight-hub`, the command line, beside the Dagster package rather than inside it.

It is an entry point: it names the data root and configures the tools' environment, prepares the
Dagster storage and dbt's manifest, then loads the definitions of `orchestration` and runs jobs
in-process. Its helpers (progress lines, the instance's storage) serve the CLI and the tests only.
"""
