"""Validate staged rows against a feed's column contract and load them into `raw.<table>`.

The format readers (sap_extract, ...) stage a file's rows as text in temp table `landing_rows`;
everything after that is the same for every feed: each column's contract becomes a SQL cast and
a SQL test, failing rows go to `ops.quarantined_rows` with the reason, the rest replace the
file's earlier rows in the raw table, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ingestion.contract import Column, FeedSpec
from ingestion.rejection import MAX_EXAMPLES, mask_examples

SQL_TYPES = {
    "key": "varchar",
    "text": "varchar",
    "flag": "varchar",
    "sap_date": "date",
    "uk_date": "date",
    "iso_date": "date",
    "sap_amount": "decimal(18, 2)",
    "sap_signed_amount": "decimal(18, 2)",
    "decimal": "decimal(18, 4)",
    "integer": "bigint",
    "local_timestamp": "timestamp",
    "utc_timestamp": "timestamp",
    "boolean": "boolean",
    "json": "json",
}

LINEAGE = "_source_file varchar, _file_sha256 varchar, _row_number integer, _loaded_at timestamp"

OPS_DDL = """
create schema if not exists raw;
create schema if not exists ops;
create table if not exists ops.file_register (
    feed_path varchar, table_name varchar, file_name varchar, file_date date,
    sha256 varchar, bytes bigint, version integer, status varchar,
    rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
    check_failed varchar, message varchar, report_path varchar, processed_at timestamp,
    primary key (file_name, sha256)
);
create table if not exists ops.quarantined_rows (
    source_file varchar, file_sha256 varchar, feed_path varchar, table_name varchar,
    row_number integer, check_name varchar, column_name varchar, message varchar, value varchar,
    quarantined_at timestamp
);
"""


@dataclass
class LoadResult:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    findings: list[dict]  # per check: check, message, rows_affected, examples


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: FeedSpec) -> None:
    con.execute(OPS_DDL)
    columns = ", ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in spec.columns)
    con.execute(f"create table if not exists raw.{spec.table} ({columns}, {LINEAGE})")


def _value(col: Column) -> str:
    return f"nullif(\"{col.name}\", '')"


def _cast_and_errors(col: Column) -> tuple[str, list[tuple[str, str]]]:
    """The SQL cast of one column and its (condition, message) refusals."""
    v = _value(col)
    t = col.type
    errors: list[tuple[str, str]] = []
    if t == "sap_date":
        cast = f"case when {v} = '00000000' then null else try_strptime({v}, '%Y%m%d')::date end"
        errors.append((f"{v} <> '00000000' and try_strptime({v}, '%Y%m%d') is null", "not a YYYYMMDD date"))
    elif t in ("sap_amount", "sap_signed_amount"):
        pattern = r"\d+(\.\d{1,2})?" if t == "sap_amount" else r"-?\d+(\.\d{1,2})?"
        cast = f"try_cast({v} as decimal(18, 2))"
        bad = f"not regexp_full_match({v}, '{pattern}')"
        if t == "sap_amount":
            errors.append(
                (f"{bad} and {v} like '%-%'", "signed amount: the sign belongs in SHKZG, not in the amount")
            )
            errors.append((f"{bad} and {v} not like '%-%'", "not an amount with `.` decimals"))
        else:
            errors.append((bad, "not an amount with `.` decimals"))
    elif t in ("uk_date", "iso_date", "local_timestamp", "utc_timestamp"):
        fmt = {
            "uk_date": "%d/%m/%Y",
            "iso_date": "%Y-%m-%d",
            "local_timestamp": "%Y-%m-%d %H:%M:%S",
            "utc_timestamp": "%Y-%m-%dT%H:%M:%SZ",
        }[t]
        suffix = "::date" if t.endswith("date") else ""
        cast = f"try_strptime({v}, '{fmt}'){suffix}"
        errors.append((f"try_strptime({v}, '{fmt}') is null", f"not a {fmt} value"))
    elif t in ("decimal", "integer", "boolean"):
        cast = f"try_cast({v} as {SQL_TYPES[t]})"
        errors.append((f"{cast} is null", f"not a valid {t}"))
    elif t == "json":
        cast = f"try_cast({v} as json)"
        errors.append((f"{cast} is null", "not valid JSON"))
    elif t == "flag":
        cast = v
        errors.append((f"{v} <> 'X'", "a flag must be `X` or blank"))
    else:
        cast = v
    # Type errors only apply to present values; a missing value is judged by not_null below.
    errors = [(f"{v} is not null and ({cond})", msg) for cond, msg in errors]
    if col.accepted:
        values = ", ".join(f"'{a}'" for a in col.accepted)
        errors.append((f"{v} is not null and {v} not in ({values})", f"not one of {', '.join(col.accepted)}"))
    if col.not_null:
        errors.append(
            (
                f"({cast}) is null and not ({' or '.join(c for c, _ in errors) or 'false'})",
                "required value missing",
            )
        )
    return cast, errors


def validate_and_load(
    con: duckdb.DuckDBPyConnection,
    spec: FeedSpec,
    header: list[str],
    file_name: str,
    sha256: str,
) -> LoadResult:
    """Check `landing_rows`, load the good rows and quarantine the rest (one transaction)."""
    present = [c for c in spec.columns if c.name in header]
    casts, checks = [], []
    for col in spec.columns:
        if col not in present:
            casts.append(f'null::{SQL_TYPES[col.type]} as "{col.name}"')
            continue
        cast, errors = _cast_and_errors(col)
        casts.append(f'{cast} as "{col.name}"')
        for cond, msg in errors:
            value = "null" if col.personal else f'"{col.name}"'
            checks.append(
                f"case when {cond} then {{'check': 'type', 'column': '{col.name}', "
                f"'message': '{col.name}: {msg}', 'value': {value}}} end"
            )
    if "_field_count" in _columns(con, "landing_rows"):
        checks.append(
            f"case when _field_count <> {len(header)} then {{'check': 'field_count', 'column': null, "
            f"'message': 'the line has ' || _field_count || ' fields, the header {len(header)}', "
            "'value': null} end"
        )
    raw_cols = ", ".join(f'"{h}"' for h in header)
    checks.append(
        f"case when row_number() over (partition by {raw_cols} order by _row_number) > 1 then "
        "{'check': 'duplicate_row', 'column': null, "
        "'message': 'an exact copy of an earlier line of the same file', 'value': null} end"
    )
    con.execute(
        f"""
        create or replace temp table checked_rows as
        select _row_number, {", ".join(casts)},
               list_filter([{", ".join(checks)}], lambda x: x is not null) as _errors
        from landing_rows
        """
    )
    rows_read, rows_bad = con.execute(
        "select count(*), count(*) filter (where len(_errors) > 0) from checked_rows"
    ).fetchone()
    cols = ", ".join(f'"{c.name}"' for c in spec.columns)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from raw.{spec.table} where _source_file = ?", [file_name])
        con.execute(
            f"""insert into raw.{spec.table} ({cols}, _source_file, _file_sha256, _row_number, _loaded_at)
                select {cols}, ?, ?, _row_number, current_timestamp::timestamp
                from checked_rows where len(_errors) = 0""",
            [file_name, sha256],
        )
        con.execute("delete from ops.quarantined_rows where source_file = ?", [file_name])
        con.execute(
            """insert into ops.quarantined_rows
               select ?, ?, ?, ?, _row_number, e.check, e.column, e.message, e.value,
                      current_timestamp::timestamp
               from (select _row_number, unnest(_errors) as e from checked_rows)""",
            [file_name, sha256, spec.feed_path, spec.table],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    findings = _findings(con, file_name, spec)
    con.execute("drop table checked_rows")
    return LoadResult(rows_read, rows_read - rows_bad, rows_bad, findings)


def _findings(con: duckdb.DuckDBPyConnection, file_name: str, spec: FeedSpec) -> list[dict]:
    rows = con.execute(
        f"""select check_name, message, count(distinct row_number),
                   list({{'line': row_number, 'column': column_name, 'value': value}}
                        order by row_number)[1:{MAX_EXAMPLES}]
            from ops.quarantined_rows where source_file = ?
            group by check_name, message order by check_name, message""",
        [file_name],
    ).fetchall()
    return [
        {
            "check": check,
            "message": message,
            "rows_affected": n,
            "examples": mask_examples(examples, spec.personal_columns),
        }
        for check, message, n, examples in rows
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(f"describe {table}").fetchall()}
