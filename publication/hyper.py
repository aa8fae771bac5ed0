"""Tableau Hyper extracts: one `.hyper` file per table, table "Extract"."Extract".

Hyper reads Parquet itself (`external()`), which is an order of magnitude faster than pushing rows
through the Python Inserter. It cannot read every DuckDB type, so each column is mapped to a Hyper
type and, where Hyper cannot read the DuckDB type from Parquet (UUID, lists, structs, UBIGINT),
a Hyper-readable copy of the table is written first with the column cast (`hyper_select`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tableauhyperapi import (
    Connection,
    CreateMode,
    HyperProcess,
    SqlType,
    TableDefinition,
    TableName,
    Telemetry,
    escape_name,
    escape_string_literal,
)

EXTRACT_TABLE = TableName("Extract", "Extract")

_SIMPLE: dict[str, SqlType] = {
    "BOOLEAN": SqlType.bool(),
    "TINYINT": SqlType.small_int(),
    "UTINYINT": SqlType.small_int(),
    "SMALLINT": SqlType.small_int(),
    "USMALLINT": SqlType.int(),
    "INTEGER": SqlType.int(),
    "UINTEGER": SqlType.big_int(),
    "BIGINT": SqlType.big_int(),
    "FLOAT": SqlType.double(),
    "DOUBLE": SqlType.double(),
    "VARCHAR": SqlType.text(),
    "DATE": SqlType.date(),
    "TIME": SqlType.time(),
    "TIMESTAMP": SqlType.timestamp(),
    "TIMESTAMP_S": SqlType.timestamp(),
    "TIMESTAMP_MS": SqlType.timestamp(),
    "TIMESTAMP_NS": SqlType.timestamp(),
    "TIMESTAMP WITH TIME ZONE": SqlType.timestamp_tz(),
    "INTERVAL": SqlType.interval(),
    "BLOB": SqlType.bytes(),
}
# Hyper's default file format (which every Tableau version reads) has no 128-bit numerics: wider
# whole numbers become BIGINT and wider decimals NUMERIC(18, s), by a DuckDB cast that fails the
# build loudly should a value not fit (no council amount comes near 10^16).
_WIDE_INTEGERS = {"HUGEINT", "UBIGINT", "UHUGEINT"}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_MAX_PRECISION = 18


def hyper_type(duckdb_type: str) -> tuple[SqlType, str | None]:
    """The Hyper type of a DuckDB column type and, if Hyper cannot read it as is, the DuckDB cast to apply."""
    if duckdb_type in _SIMPLE:
        return _SIMPLE[duckdb_type], None
    if duckdb_type in _WIDE_INTEGERS:
        return SqlType.big_int(), "bigint"
    if match := _DECIMAL.fullmatch(duckdb_type):
        precision, scale = int(match.group(1)), int(match.group(2))
        if precision > _MAX_PRECISION:
            return SqlType.numeric(_MAX_PRECISION, scale), f"decimal({_MAX_PRECISION}, {scale})"
        return SqlType.numeric(precision, scale), None
    if duckdb_type.startswith("ENUM"):
        return SqlType.text(), None
    # UUID, JSON, lists, structs, maps, unions: published to Tableau as their text form.
    return SqlType.text(), "varchar"


def hyper_select(columns: list[tuple[str, str]]) -> str | None:
    """A DuckDB select list casting the columns Hyper cannot read from Parquet; None if none need it."""
    casts = [(name, hyper_type(data_type)[1]) for name, data_type in columns]
    if all(cast is None for _, cast in casts):
        return None
    return ", ".join(f'cast("{name}" as {cast}) as "{name}"' if cast else f'"{name}"' for name, cast in casts)


@contextmanager
def hyper_process(log_dir: Path) -> Iterator[HyperProcess]:
    """A Hyper server with usage data off and its log under `log_dir` (inside INSIGHT_HUB_HOME)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with HyperProcess(
        Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(log_dir)}
    ) as process:
        yield process


def write_extract(
    process: HyperProcess,
    target: Path,
    columns: list[tuple[str, str]],
    parquet: Path,
    descriptions: Mapping[str, str] | None = None,
) -> int:
    """Create `target` with "Extract"."Extract" typed from the DuckDB columns, filled from `parquet`,
    each column's description (the dbt docs) as its comment.

    Hyper's SQL has `COMMENT ON COLUMN` (kept in the file's pg_catalog.pg_description) but no
    `COMMENT ON TABLE`, so a table's description cannot travel in its extract (docs/publication.md).
    """
    definition = TableDefinition(
        EXTRACT_TABLE, [TableDefinition.Column(name, hyper_type(data_type)[0]) for name, data_type in columns]
    )
    names = ", ".join(escape_name(name) for name, _ in columns)
    with Connection(process.endpoint, str(target), CreateMode.CREATE_AND_REPLACE) as con:
        con.catalog.create_schema(EXTRACT_TABLE.schema_name)
        con.catalog.create_table(definition)
        for name, _ in columns:
            if text := (descriptions or {}).get(name):
                con.execute_command(
                    f"comment on column {EXTRACT_TABLE}.{escape_name(name)} is {escape_string_literal(text)}"
                )
        return con.execute_command(
            f"insert into {EXTRACT_TABLE} ({names}) "
            f"select {names} from external({escape_string_literal(str(parquet))})"
        )


def column_comments(process: HyperProcess, extract: Path) -> dict[str, str]:
    """The column comments of an extract's "Extract"."Extract" (Hyper's pg_catalog)."""
    with Connection(process.endpoint, str(extract)) as con:
        rows = con.execute_list_query(
            "select a.attname, d.description from pg_catalog.pg_description d "
            "join pg_catalog.pg_attribute a on a.attrelid = d.objoid and a.attnum = d.objsubid"
        )
    return {str(name): str(text) for name, text in rows}


def count_rows(process: HyperProcess, extract: Path) -> int:
    with Connection(process.endpoint, str(extract)) as con:
        return con.execute_scalar_query(f"select count(*) from {EXTRACT_TABLE}")
