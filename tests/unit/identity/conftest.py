"""Raw person tables as the loader creates them, empty, for hand-made identity records."""

from collections.abc import Iterator

import duckdb
import pytest
from identity_raw import PERSON_FEEDS

from ingestion.loader import ensure_tables


@pytest.fixture
def raw_con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for spec in PERSON_FEEDS:
        ensure_tables(con, spec)
    yield con
    con.close()
