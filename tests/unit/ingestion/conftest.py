"""Shared fixture of the ingestion unit tests: an in-memory DuckDB connection."""

import duckdb
import pytest


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()
