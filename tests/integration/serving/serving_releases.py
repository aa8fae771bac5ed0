"""Small releases in the release format (the three audience sets of publication/release.py), to
load into the serving database; every value names its release, so a reader can tell which it saw."""

import json
from pathlib import Path

import duckdb

from ingestion.layout import Release

# Three tables, one per audience.
TABLES = {
    "kpi_open_monthly": ("open", "month date, directorate varchar, contacts bigint"),
    "fct_spend": ("internal", "line_key varchar, amount decimal(18,2), posted timestamp, paid boolean"),
    "customer_360": ("restricted", "customer_key varchar, contacts integer, score double, district varchar"),
}
ROWS = 500


def make_release(published: Path, release_id: str, rows: int = ROWS) -> Path:
    """A release folder as build_release writes it: internal set at the root (open and internal
    tables), open/ (open tables), restricted/ (DuckDB only), manifest with per-table audience."""
    folder = published / "releases" / release_id
    where = {"internal": ".", "open": "open", "restricted": "restricted"}
    sets = {audience: Release(folder / where[audience]) for audience in where}
    members = {
        "internal": ["kpi_open_monthly", "fct_spend"],
        "open": ["kpi_open_monthly"],
        "restricted": ["customer_360"],
    }
    values = {
        "kpi_open_monthly": f"date '2025-04-01' + (i % 12)::int * interval 1 month, '{release_id}', i",
        "fct_spend": f"'{release_id}-' || i, (i * 1.25)::decimal(18,2), timestamp '2025-04-01 10:00:00' "
        "+ i * interval 1 minute, case when i % 7 = 0 then null else i % 2 = 0 end",
        "customer_360": f"'{release_id}-' || i, (i % 9)::int, i / 3.0, "
        "case when i % 5 = 0 then '' else 'OX4' end",
    }
    tables: dict = {}
    audiences: dict = {}
    for audience, release in sets.items():
        release.folder.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(release.database))
        con.execute("create schema bi")
        section: dict = {"folder": where[audience], "tables": {}}
        for table in members[audience]:
            con.execute(f"create table bi.{table} ({TABLES[table][1]})")
            con.execute(f"insert into bi.{table} select {values[table]} from range({rows}) t(i)")
            columns = [
                {"name": n, "type": t}
                for n, t in con.execute(
                    "select column_name, data_type from duckdb_columns() where table_name = ? "
                    "order by column_index",
                    [table],
                ).fetchall()
            ]
            if audience != "restricted":
                release.parquet.mkdir(exist_ok=True)
                con.execute(f"copy bi.{table} to '{release.parquet / table}.parquet' (format parquet)")
            section["tables"][table] = {"rows": rows, "columns": columns}
            if TABLES[table][0] == audience:
                tables[table] = {"rows": rows, "columns": columns, "audience": audience}
        con.close()
        audiences[audience] = section
    manifest = {"release_id": release_id, "schema": "bi", "tables": tables, "audiences": audiences}
    Release(folder).manifest.write_text(json.dumps(manifest), encoding="utf-8")
    return folder
