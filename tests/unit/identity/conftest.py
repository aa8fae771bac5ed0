"""Raw person tables as the loader creates them, empty, for hand-made identity records."""

from collections.abc import Iterator

import duckdb
import pytest

from ingestion import csc_crm, person_index, web_forms
from ingestion.loader import ensure_tables

PERSON_FEEDS = (*csc_crm.FEEDS, *web_forms.FEEDS, *person_index.FEEDS)


@pytest.fixture
def raw_con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for spec in PERSON_FEEDS:
        ensure_tables(con, spec)
    yield con
    con.close()


def add_rows(con: duckdb.DuckDBPyConnection, table: str, source_file: str, rows: list[dict]) -> None:
    """Insert rows into raw.<table> as if loaded from `source_file` (columns left out are NULL)."""
    for number, row in enumerate(rows, start=1):
        values = {**row, "_source_file": source_file, "_row_number": number}
        columns = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into raw.{table} ({columns}) values ({marks})", list(values.values()))
