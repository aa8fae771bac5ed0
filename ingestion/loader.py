"""Validate staged rows against a feed's column contract and write them into `raw.<table>`.

The format readers (sap_extract, csv_file, jsonl_file, excel_workbook) stage a file's records as
text in temp table `landing_rows`:

    _row_number     integer  physical line (row) of the record in the file; the header is line 1
    _dup_key        varchar  the record as read: two records with the same key are exact copies
    _reject_check   varchar  set when the record could not even be split into fields
    _reject_message varchar  why, without quoting the record
    <column>        varchar  one per contract column present in the file, named as in the contract

Everything after that is the same for every feed: each column's contract becomes a SQL cast and
SQL tests, failing rows go to `ops.quarantined_rows` with the reason, the rest replace the file's
earlier rows in the raw table. The caller owns the transaction, so that rows and bookkeeping
commit together.
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
    primary key (feed_path, file_name, version)
);
create table if not exists ops.quarantined_rows (
    source_file varchar, file_sha256 varchar, feed_path varchar, table_name varchar,
    row_number integer, check_name varchar, column_name varchar, message varchar, value varchar,
    quarantined_at timestamp
);
create table if not exists ops.ingestion_findings (
    feed_path varchar, table_name varchar, file_name varchar, sha256 varchar, version integer,
    check_name varchar, severity varchar, rows_affected bigint, message varchar, found_at timestamp
);
"""

# Values echoed in reports are cut to this length: enough to see the mistake, never a whole record.
MAX_VALUE_CHARS = 40


@dataclass
class LoadResult:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    findings: list[dict]  # per check: check, message, rows_affected, examples


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: FeedSpec | None = None) -> None:
    con.execute(OPS_DDL)
    if spec is not None:
        columns = ", ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in spec.columns)
        con.execute(f"create table if not exists raw.{spec.table} ({columns}, {LINEAGE})")


def _literal(text: str) -> str:
    """A SQL string literal (contract values such as `Children's Residential` hold quotes)."""
    return "'" + text.replace("'", "''") + "'"


def _value(col: Column) -> str:
    return f"nullif(\"{col.name}\", '')"


def _cast_and_errors(col: Column) -> tuple[str, list[tuple[str, str, str]]]:
    """The SQL cast of one column and its (check, condition, message) refusals."""
    v = _value(col)
    t = col.type
    errors: list[tuple[str, str, str]] = []
    if t == "sap_date":
        cast = f"case when {v} = '00000000' then null else try_strptime({v}, '%Y%m%d')::date end"
        errors.append(
            ("type", f"{v} <> '00000000' and try_strptime({v}, '%Y%m%d') is null", "not a YYYYMMDD date")
        )
    elif t in ("sap_amount", "sap_signed_amount"):
        pattern = r"\d+(\.\d{1,2})?" if t == "sap_amount" else r"-?\d+(\.\d{1,2})?"
        cast = f"try_cast({v} as decimal(18, 2))"
        bad = f"not regexp_full_match({v}, '{pattern}')"
        if t == "sap_amount":
            errors.append(
                (
                    "signed_amount",
                    f"{bad} and {v} like '%-%'",
                    "signed amount: the sign belongs in SHKZG, not in the amount",
                )
            )
            errors.append(("type", f"{bad} and {v} not like '%-%'", "not an amount with `.` decimals"))
        else:
            errors.append(("type", bad, "not an amount with `.` decimals"))
    elif t in ("uk_date", "iso_date", "local_timestamp", "utc_timestamp"):
        fmt = {
            "uk_date": "%d/%m/%Y",
            "iso_date": "%Y-%m-%d",
            "local_timestamp": "%Y-%m-%d %H:%M:%S",
            "utc_timestamp": "%Y-%m-%dT%H:%M:%SZ",
        }[t]
        suffix = "::date" if t.endswith("date") else ""
        cast = f"try_strptime({v}, '{fmt}'){suffix}"
        errors.append(("type", f"try_strptime({v}, '{fmt}') is null", f"not a {fmt} value"))
    elif t == "integer":
        cast = f"try_cast({v} as bigint)"
        errors.append(("type", rf"not regexp_full_match({v}, '-?\d+') or {cast} is null", "not an integer"))
    elif t == "decimal":
        cast = f"try_cast({v} as decimal(18, 4))"
        errors.append(
            (
                "type",
                rf"not regexp_full_match({v}, '-?\d+(\.\d+)?') or {cast} is null",
                "not a decimal number",
            )
        )
    elif t == "boolean":
        cast = f"try_cast({v} as boolean)"
        errors.append(("type", f"lower({v}) not in ('true', 'false')", "not true or false"))
    elif t == "json":
        cast = f"try_cast({v} as json)"
        errors.append(("type", f"{cast} is null", "not valid JSON"))
    elif t == "flag":
        cast = v
        errors.append(("type", f"{v} <> 'X'", "a flag must be `X` or blank"))
    else:
        cast = v
    # Type errors only apply to present values; a missing value is judged by not_null below.
    errors = [(check, f"{v} is not null and ({cond})", msg) for check, cond, msg in errors]
    if col.accepted:
        values = ", ".join(_literal(a) for a in col.accepted)
        errors.append(
            (
                "accepted_values",
                f"{v} is not null and {v} not in ({values})",
                f"not one of {', '.join(col.accepted)}",
            )
        )
    if col.not_null:
        absent = f"coalesce({v}, '00000000') = '00000000'" if t == "sap_date" else f"{v} is null"
        errors.append(("missing_value", absent, "required value missing"))
    return cast, errors


def check_rows(con: duckdb.DuckDBPyConnection, spec: FeedSpec, header: list[str]) -> tuple[int, int]:
    """Cast and test every staged row into temp table `checked_rows`; returns (rows read, rows refused)."""
    present = [c for c in spec.columns if c.name in header]
    casts, checks = [], []
    for col in spec.columns:
        if col not in present:
            casts.append(f'null::{SQL_TYPES[col.type]} as "{col.name}"')
            continue
        cast, errors = _cast_and_errors(col)
        casts.append(f'{cast} as "{col.name}"')
        value = "null" if col.personal else f'left("{col.name}", {MAX_VALUE_CHARS})'
        for check, cond, msg in errors:
            checks.append(
                f"case when {cond} then {{'check': '{check}', 'column': '{col.name}', "
                f"'message': {_literal(f'{col.name}: {msg}')}, 'value': {value}}} end"
            )
    checks.append(
        "case when row_number() over (partition by _dup_key order by _row_number) > 1 then "
        "{'check': 'duplicate_row', 'column': null, "
        "'message': 'an exact copy of an earlier line of the same file', 'value': null} end"
    )
    # A record that could not be split into fields reports only that: its "fields" are meaningless.
    con.execute(
        f"""
        create or replace temp table checked_rows as
        select _row_number, {", ".join(casts)},
               case when _reject_check is not null
                    then [{{'check': _reject_check, 'column': null::varchar, 'message': _reject_message,
                            'value': null::varchar}}]
                    else list_filter([{", ".join(checks)}], lambda x: x is not null) end as _errors
        from landing_rows
        """
    )
    rows_read, rows_bad = con.execute(
        "select count(*), count(*) filter (where len(_errors) > 0) from checked_rows"
    ).fetchone()
    return rows_read, rows_bad


def write_rows(
    con: duckdb.DuckDBPyConnection, spec: FeedSpec, file_name: str, sha256: str, replace: bool
) -> None:
    """Write `checked_rows`: good rows into the raw table, refused ones into `ops.quarantined_rows`.

    `replace` deletes rows an earlier version of the same file name loaded (skipped for a new name,
    whose rows cannot be there because rows and register commit together).
    """
    cols = ", ".join(f'"{c.name}"' for c in spec.columns)
    if replace:
        con.execute(f"delete from raw.{spec.table} where _source_file = ?", [file_name])
        con.execute("delete from ops.quarantined_rows where source_file = ?", [file_name])
    con.execute(
        f"""insert into raw.{spec.table} ({cols}, _source_file, _file_sha256, _row_number, _loaded_at)
            select {cols}, ?, ?, _row_number, current_timestamp::timestamp
            from checked_rows where len(_errors) = 0 order by _row_number""",
        [file_name, sha256],
    )
    con.execute(
        """insert into ops.quarantined_rows
           select ?, ?, ?, ?, _row_number, e.check, e.column, e.message, e.value,
                  current_timestamp::timestamp
           from (select _row_number, unnest(_errors) as e from checked_rows where len(_errors) > 0)
           order by _row_number""",
        [file_name, sha256, spec.feed_path, spec.table],
    )


def row_findings(con: duckdb.DuckDBPyConnection, spec: FeedSpec) -> list[dict]:
    """Refused rows of `checked_rows` grouped by check and message, with a few masked examples."""
    rows = con.execute(
        f"""select e.check, e.message, count(distinct _row_number),
                   list({{'line': _row_number, 'column': e.column, 'value': e.value}}
                        order by _row_number)[1:{MAX_EXAMPLES}]
            from (select _row_number, unnest(_errors) as e from checked_rows where len(_errors) > 0)
            group by e.check, e.message order by e.check, e.message"""
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


def validate_and_load(
    con: duckdb.DuckDBPyConnection,
    spec: FeedSpec,
    header: list[str],
    file_name: str,
    sha256: str,
    replace: bool = True,
) -> LoadResult:
    """Check `landing_rows` and write good rows and refused rows (inside the caller's transaction)."""
    rows_read, rows_bad = check_rows(con, spec, header)
    findings = row_findings(con, spec) if rows_bad else []
    write_rows(con, spec, file_name, sha256, replace)
    con.execute("drop table checked_rows")
    return LoadResult(rows_read, rows_read - rows_bad, rows_bad, findings)
