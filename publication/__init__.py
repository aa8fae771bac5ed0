"""Publication: build, verify, switch and roll back releases of the `bi` tables. No Dagster here."""
