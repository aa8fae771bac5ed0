"""A batch's temporary tables have one owner: BatchTables makes and drops them, however the batch ends."""

import re
from pathlib import Path

import duckdb
import pytest

from ingestion.batch import BatchTables

INGESTION = Path(__file__).resolve().parents[3] / "ingestion"
TEMP_TABLE_SQL = re.compile(
    r"\b(create\s+(or\s+replace\s+)?temp(orary)?\s+table|drop\s+table)\b", re.IGNORECASE
)


def temp_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name for (name,) in con.execute("select table_name from duckdb_tables() where temporary").fetchall()
    }


def test_every_table_of_a_batch_is_dropped_when_it_ends():
    con = duckdb.connect()
    with BatchTables(con) as tables:
        tables.create("landing_rows", "(_source_file varchar)")
        tables.create("checked_rows", "as select 1 as n")
        tables.drop("landing_rows")
        assert temp_tables(con) == {"checked_rows"}
    assert temp_tables(con) == set()


def test_a_failed_batch_leaves_no_table_behind():
    con = duckdb.connect()
    with pytest.raises(ValueError), BatchTables(con) as tables:
        tables.create("file_lines", "as select 'a' as line")
        con.execute("create temp table csv_reject_errors as select 1 as line")  # made by read_csv
        tables.adopt("csv_reject_errors")
        raise ValueError("a reader failed")
    assert temp_tables(con) == set()


def test_only_the_batch_makes_or_drops_temporary_tables_in_ingestion():
    found = [
        f"{path.name}:{n}"
        for path in sorted(INGESTION.glob("*.py"))
        if path.name != "batch.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMP_TABLE_SQL.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []
    assert TEMP_TABLE_SQL.search('con.execute("create or replace temp table copies as select 1")')
