"""Hand-made rows in the raw person tables, as if loaded from a landing file."""

import duckdb

from ingestion import csc_crm, person_index, web_forms

PERSON_FEEDS = (*csc_crm.FEEDS, *web_forms.FEEDS, *person_index.FEEDS)


def add_rows(con: duckdb.DuckDBPyConnection, table: str, source_file: str, rows: list[dict]) -> None:
    """Insert rows into raw.<table> as if loaded from `source_file` (columns left out are NULL)."""
    for number, row in enumerate(rows, start=1):
        values = {**row, "_source_file": source_file, "_row_number": number}
        columns = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into raw.{table} ({columns}) values ({marks})", list(values.values()))
