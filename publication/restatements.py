"""Restatements: KPI cells of closed months whose value differs from the previous release, and the
source files loaded since that release that can have caused them (contracts/publication.md, KPI pack
and restatements; docs/publication.md, Restatements).

Pure Python over DuckDB, no Dagster: the Dagster asset `ops/restatements` (orchestration/restatements.py)
calls `write_restatements` after the KPI marts are built and before the gate; the dbt model
`bi.restatements` publishes the table it writes. Every comparison is one SQL statement per KPI table
(a full join of both releases' closed months on the table's grain); nothing loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from ingestion import FEEDS
from publication.descriptions import TableDocs

TABLE = "ops.restatements"
# The table's columns, in order; bi.restatements (dbt) publishes them as they are.
COLUMNS = (
    ("table_name", "varchar"),
    ("month", "date"),
    ("grain", "varchar"),
    ("column_name", "varchar"),
    ("change", "varchar"),
    ("old_value", "double"),
    ("new_value", "double"),
    ("delta", "double"),
    ("source_files", "varchar"),
    ("cause", "varchar"),
    ("previous_release_id", "varchar"),
    ("previous_reporting_date", "date"),
)
# Which tables are KPI marts: the monthly KPI tables of the KPI dictionary (grain with `month`).
KPI_PREFIX = "kpi_"
# Feeds whose files change the suppliers' attributes (SME, VCSE, local, contracts): a change of
# their rows reclassifies spend of every month.
SUPPLIER_FEEDS = frozenset({"ibc_lfa1", "procurement_contracts_register"})
# An append feed's file holds the events of its own day: it touches the month of its file date.
# Snapshot and delta feeds (master data, HR history, registers) can change any month.
APPEND_FEEDS = frozenset(spec.table for spec in FEEDS if spec.load == "append")
EXACT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER")
EXACT_TYPES += ("UBIGINT", "UHUGEINT", "DECIMAL")
FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")
# Floating-point KPI values (means, ratios, sums of fractions) are equal within this relative
# difference: a sum of doubles may differ in its last bits with the order DuckDB's parallel
# aggregation adds them, which is no restatement. Integers and decimals compare exactly.
FLOAT_TOLERANCE = 1e-12


def cause_of(file: Mapping[str, Any], previous_reporting: date) -> str:
    """Why a file loaded since the previous release can restate a closed month."""
    if file["corrects_a_loaded_version"]:
        return "corrected version"
    if file["table_name"] in SUPPLIER_FEEDS:
        return "reclassified supplier"
    if file["table_name"] in APPEND_FEEDS and file["file_date"] and file["file_date"] <= previous_reporting:
        return "late file"
    return "other"


def write_restatements(
    con: duckdb.DuckDBPyConnection,
    previous_db: str | None,
    previous: Mapping[str, Any] | None,
    docs: Mapping[str, TableDocs],
    files: list[dict[str, Any]],
) -> int:
    """Replace ops.restatements with the restated KPI cells of the months closed at the previous
    release (its `previous_db` attached read-only, its manifest `previous`); returns how many.

    `docs` gives each table's grain and the raw tables it is built from; `files` the files loaded
    since the previous release (ingestion.register.loaded_since). With no previous release (or one
    without a reporting date) the table is empty.
    """
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    con.execute(f"create schema if not exists {TABLE.split('.')[0]}")
    con.execute(f"create or replace table {TABLE} ({columns})")
    if previous_db is None or not previous or not previous.get("reporting_date"):
        return 0
    reporting = date.fromisoformat(previous["reporting_date"])
    cells = [
        sql
        for table in sorted(docs)
        if table.startswith(KPI_PREFIX)
        and (sql := _cells_sql(con, table, docs[table].grain, previous_db)) is not None
    ]
    if not cells:
        return 0
    restating = pa.Table.from_pylist(
        [
            {
                "table_name": f["table_name"],
                "file_name": f["file_name"],
                "version": int(f["version"]),
                "file_date": f["file_date"],
                "cause": cause_of(f, reporting),
                "every_month": f["table_name"] not in APPEND_FEEDS,
            }
            for f in files
        ],
        schema=pa.schema(
            [
                ("table_name", pa.string()),
                ("file_name", pa.string()),
                ("version", pa.int64()),
                ("file_date", pa.date32()),
                ("cause", pa.string()),
                ("every_month", pa.bool_()),
            ]
        ),
    )
    feeds = pa.Table.from_pylist(
        [{"kpi_table": t, "raw_table": raw} for t, d in docs.items() for raw in d.sources],
        schema=pa.schema([("kpi_table", pa.string()), ("raw_table", pa.string())]),
    )
    con.register("restating_files", restating)
    con.register("kpi_feeds", feeds)
    try:
        con.execute(
            f"""
            insert into {TABLE}
            with cells as ({" union all ".join(cells)})
            select c.table_name, c.month, c.grain, c.column_name, c.change, c.old_value, c.new_value,
                   c.delta,
                   string_agg(distinct f.file_name || ' (version ' || f.version || ')', '; '
                              order by f.file_name || ' (version ' || f.version || ')'),
                   coalesce(string_agg(distinct f.cause, ', ' order by f.cause), 'other'),
                   $release, $reporting::date
            from cells c
            left join kpi_feeds k on k.kpi_table = c.table_name
            left join restating_files f
              on f.table_name = k.raw_table
             and (f.every_month or date_trunc('month', f.file_date) = c.month)
            group by c.table_name, c.month, c.grain, c.column_name, c.change, c.old_value, c.new_value,
                     c.delta
            order by c.table_name, c.month, c.grain, c.column_name
            """,
            {"release": previous.get("release_id"), "reporting": reporting, "closed": reporting},
        )
    finally:
        con.unregister("restating_files")
        con.unregister("kpi_feeds")
    return con.execute(f"select count(*) from {TABLE}").fetchone()[0]


def material(con: duckdb.DuckDBPyConnection, materiality: float) -> list[dict[str, Any]]:
    """The restatements whose size is above `materiality` (in the column's own unit): |delta|, or
    for a cell of a row that appeared or disappeared, the value it gained or lost. Grain and counts
    only; a KPI cell is an aggregate, never a person's record."""
    rows = con.execute(
        f"""select table_name, count(*) from {TABLE}
            where abs(coalesce(new_value, 0) - coalesce(old_value, 0)) > ?
            group by 1 order by 1""",
        [materiality],
    ).fetchall()
    return [{"table": table, "cells": n} for table, n in rows]


def per_table(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, int]:
    """Restated cells per KPI table in `relation` (the release manifest's `restatements`)."""
    return dict(con.execute(f"select table_name, count(*) from {relation} group by 1 order by 1").fetchall())


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = ? and schema_name = 'bi' and table_name = ? order by column_index",
            [database, table],
        ).fetchall()
    )


def _differs(column: str, data_type: str) -> str | None:
    """SQL true when the new and old value of `column` differ (NULL against a value differs)."""
    new, old = f'n."{column}"', f'p."{column}"'
    if data_type.startswith(EXACT_TYPES):
        return f"{new} is distinct from {old}"
    if data_type.startswith(FLOAT_TYPES):
        return (
            f"({new} is null) <> ({old} is null) or abs({new} - {old}) > "
            f"{FLOAT_TOLERANCE} * greatest(abs({new}), abs({old}))"
        )
    return None  # not a measure (flags, text)


def _cells_sql(
    con: duckdb.DuckDBPyConnection, table: str, grain: tuple[str, ...], previous_db: str
) -> str | None:
    """The SELECT of one KPI table's restated cells of closed months (month < the first day of the
    previous reporting date's month, i.e. the month ended before that date), or None when the table
    is not in both releases with its grain."""
    here = con.execute("select current_database()").fetchone()[0]
    now, before = _columns(con, here, table), _columns(con, previous_db, table)
    if "month" not in grain or not all(g in now and now[g] == before.get(g) for g in grain):
        return None
    measures = {
        c: test
        for c, kind in now.items()
        if c not in grain and before.get(c) == kind and (test := _differs(c, kind)) is not None
    }
    if not measures:
        return None
    on = " and ".join(f'n."{g}" is not distinct from p."{g}"' for g in grain)
    keys = ", ".join(f'coalesce(n."{g}", p."{g}") as "{g}"' for g in grain)
    grain_json = "json_object(" + ", ".join(f"'{g}', \"{g}\"" for g in grain) + ")::varchar"
    closed = "where month < date_trunc('month', $closed::date)"
    values = ", ".join(
        f'p."{c}" as "old:{c}", n."{c}" as "new:{c}", ({test}) as "differs:{c}"'
        for c, test in measures.items()
    )
    joined = (
        f"select {keys}, n._here as _now, p._here as _before, {values} "
        f'from (select *, true as _here from bi."{table}" {closed}) n '
        f'full join (select *, true as _here from {previous_db}.bi."{table}" {closed}) p on {on}'
    )
    change = "case when _before is null then 'added' when _now is null then 'removed' else 'changed' end"
    parts = [
        f"select '{table}' as table_name, month, {grain_json} as grain, '{c}' as column_name, "
        f"{change} as change, "
        f'"old:{c}"::double as old_value, "new:{c}"::double as new_value, '
        f'("new:{c}" - "old:{c}")::double as delta from joined where "differs:{c}"'
        for c in measures
    ]
    return f"(with joined as ({joined}) {' union all '.join(parts)})"
