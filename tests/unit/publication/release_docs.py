"""The dbt docs a hand-made warehouse would have: a description for each of its `bi` tables and
columns, so that a release of it is not refused for lacking them (publication contract)."""

from dataclasses import replace
from pathlib import Path

import duckdb

from publication.audiences import AudiencePlan
from publication.descriptions import TableDocs


def with_docs(plan: AudiencePlan, warehouse: Path) -> AudiencePlan:
    """`plan` with every `bi` table and column of `warehouse` described."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'bi'"
        ).fetchall()
    docs: dict[str, dict[str, str]] = {}
    for table, column in columns:
        docs.setdefault(table, {})[column] = f"The {column} of {table}."
    return replace(plan, docs={t: TableDocs(f"The table {t}.", c) for t, c in docs.items()})
