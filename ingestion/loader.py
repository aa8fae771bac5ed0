"""Validate staged rows against a feed's column contract and write them into `raw.<table>`.

The format readers (sap_extract, csv_file, jsonl_file, excel_workbook) stage the records of a
batch of files as text in temp table `landing_rows` (created by `create_landing_rows`):

    _source_file    varchar  the landing file name
    _row_number     integer  physical line (row) of the record in its file; the header is line 1
    _reject_check   varchar  set when the record could not even be split into fields
    _reject_message varchar  why, without quoting the record
    <column>        varchar  one per contract column (null where the file lacks the column)

Everything after that is the same for every feed: each column's contract becomes a SQL cast and
SQL tests, failing rows go to `ops.quarantined_rows` with the reason, the rest replace the file's
earlier rows in the raw table. One query serves the whole batch, however many files it holds;
the caller owns the transaction, so that rows and bookkeeping commit together.
"""

from __future__ import annotations

import duckdb

from ingestion import register
from ingestion.batch import BatchTables
from ingestion.contract import Column, FeedSpec
from ingestion.rejection import MASK, MAX_EXAMPLES, mask_examples

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

# The staging columns every reader fills before the contract's own columns (see the docstring).
LANDING_META = "_source_file, _row_number, _reject_check, _reject_message"
LANDING_COLUMNS = "_source_file varchar, _row_number integer, _reject_check varchar, _reject_message varchar"
LINEAGE = "_source_file varchar, _file_sha256 varchar, _row_number integer, _loaded_at timestamp"

OPS_DDL = """
create schema if not exists raw;
create schema if not exists ops;
create table if not exists ops.quarantined_rows (
    source_file varchar, file_sha256 varchar, feed_path varchar, table_name varchar,
    row_number integer, check_name varchar, column_name varchar, message varchar, value varchar,
    quarantined_at timestamp
);
"""

ERROR_TYPE = 'struct("check" varchar, "column" varchar, message varchar, value varchar)'
# Values echoed in reports are cut to this length: enough to see the mistake, never a whole record.
MAX_VALUE_CHARS = 40


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: FeedSpec | None = None) -> None:
    """The bookkeeping tables (the file register's among them) and the feed's raw table."""
    register.create(con)
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
        # Well formed but too large for decimal(18, 2) is refused too, never loaded as NULL.
        bad = f"(not regexp_full_match({v}, '{pattern}') or {cast} is null)"
        message = "not an amount with `.` decimals and at most 16 digits before the point"
        if t == "sap_amount":
            errors.append(
                (
                    "signed_amount",
                    f"{bad} and {v} like '%-%'",
                    "signed amount: the sign belongs in SHKZG, not in the amount",
                )
            )
            errors.append(("type", f"{bad} and {v} not like '%-%'", message))
        else:
            errors.append(("type", bad, message))
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


def create_landing_rows(tables: BatchTables, spec: FeedSpec) -> None:
    """An empty `landing_rows` for this feed, for the readers to fill."""
    columns = ", ".join(f'"{c.name}" varchar' for c in spec.columns)
    tables.create("landing_rows", f"({LANDING_COLUMNS}, {columns})")


def check_rows(tables: BatchTables, spec: FeedSpec) -> dict[str, tuple[int, int]]:
    """Cast and test every staged row into the batch's table `checked_rows`.

    Returns (rows read, rows refused) per file; a file with no records is absent.
    """
    casts, checks = [], []
    for col in spec.columns:
        cast, errors = _cast_and_errors(col)
        casts.append(f'{cast} as "{col.name}"')
        value = _literal(MASK) if col.personal else f'left("{col.name}", {MAX_VALUE_CHARS})'
        for check, cond, msg in errors:
            checks.append(
                f"case when {cond} then {{'check': '{check}', 'column': '{col.name}', "
                f"'message': {_literal(f'{col.name}: {msg}')}, 'value': {value}}} end"
            )
    conditions = [cond for col in spec.columns for _, cond, _ in _cast_and_errors(col)[1]]
    failing = " or ".join(["_copy", *(f"coalesce({c}, false)" for c in conditions)])
    checks.append(
        "case when _copy then {'check': 'duplicate_row', 'column': null, "
        "'message': 'an exact copy of an earlier line of the same file', 'value': null} end"
    )
    _find_copies(tables, spec)
    # Error structs are built only for rows that fail something: most rows fail nothing. A record
    # that could not be split into fields reports only that: its "fields" are meaningless.
    tables.create(
        "checked_rows",
        f"""
        as select _source_file, _row_number, {", ".join(casts)},
               case when _reject_check is not null
                    then [{{'check': _reject_check, 'column': null::varchar, 'message': _reject_message,
                            'value': null::varchar}}]
                    when {failing}
                    then list_filter([{", ".join(checks)}], lambda x: x is not null)
                    else []::{ERROR_TYPE}[] end as _errors
        from (select l.*, c._row_number is not null as _copy
              from landing_rows l left join copies c using (_source_file, _row_number))
        """,
    )
    tables.drop("copies", "landing_rows")
    rows = tables.con.execute(
        """select _source_file, count(*), count(*) filter (where len(_errors) > 0)
           from checked_rows group by 1"""
    ).fetchall()
    return {name: (read, bad) for name, read, bad in rows}


def _find_copies(tables: BatchTables, spec: FeedSpec) -> None:
    """The batch's table `copies`: records equal to an earlier record of their file in every contract column.

    Columns the contract does not name are ignored, so they cannot make two records differ. A hash
    of each record finds the few candidates cheaply; only those are compared value by value.
    """
    staged = ", ".join(f'"{c.name}"' for c in spec.columns)
    tables.create(
        "copies",
        f"""
        as with hashed as (
            select *, hash(_source_file, {staged}) as _hash from landing_rows where _reject_check is null
        ),
        suspects as (select _hash from hashed group by _hash having count(*) > 1)
        select _source_file, _row_number from (
            select _source_file, _row_number,
                   row_number() over (partition by _source_file, {staged} order by _row_number) as rank
            from hashed semi join suspects using (_hash))
        where rank > 1
        """,
    )


def write_rows(tables: BatchTables, spec: FeedSpec, files: list[tuple[str, str, bool]]) -> None:
    """Write the checked rows of `files` (name, sha256, replace): good rows into the raw table,
    refused ones into `ops.quarantined_rows`. Rows of files not listed (refused files) are dropped.

    `replace` deletes the raw rows an earlier version of the same file name loaded (skipped for a
    new name, whose rows cannot be there because rows and register commit together).
    """
    con = tables.con
    cols = ", ".join(f'"{c.name}"' for c in spec.columns)
    tables.create(
        "batch_files",
        "as select unnest(?::varchar[]) as name, unnest(?::varchar[]) as sha256, "
        "unnest(?::boolean[]) as replace",
        [[f[0] for f in files], [f[1] for f in files], [f[2] for f in files]],
    )
    con.execute(
        f"delete from raw.{spec.table} where _source_file in (select name from batch_files where replace)"
    )
    # Refused rows of earlier versions stay, for the record: each version's are told apart by sha256.
    con.execute(
        "delete from ops.quarantined_rows where table_name = ? "
        "and (source_file, file_sha256) in (select name, sha256 from batch_files)",
        [spec.table],
    )
    con.execute(
        f"""insert into raw.{spec.table} ({cols}, _source_file, _file_sha256, _row_number, _loaded_at)
            select {cols}, _source_file, b.sha256, _row_number, current_timestamp::timestamp
            from checked_rows c join batch_files b on b.name = c._source_file
            where len(_errors) = 0"""
    )
    con.execute(
        """insert into ops.quarantined_rows
           select _source_file, b.sha256, ?, ?, _row_number, e.check, e.column, e.message, e.value,
                  current_timestamp::timestamp
           from (select _source_file, _row_number, unnest(_errors) as e from checked_rows
                 where len(_errors) > 0) c
           join batch_files b on b.name = c._source_file""",
        [spec.feed_path, spec.table],
    )
    tables.drop("batch_files")


def keys_lost(tables: BatchTables, spec: FeedSpec, names: list[str]) -> dict[str, int]:
    """Per file of `names`, how many keys its rows in `raw.<table>` (its loaded version) hold that none
    of its checked rows would load again (missing, cut short or refused); files losing none are absent.

    Run before `write_rows`, so the raw table still holds the earlier version's rows.
    """
    if not spec.keys or not names:
        return {}
    keys = ", ".join(f'"{k}"' for k in spec.keys)
    same = " and ".join(f'c."{k}" is not distinct from r."{k}"' for k in spec.keys)
    rows = tables.con.execute(
        f"""with earlier as (
                select distinct _source_file, {keys} from raw.{spec.table}
                where _source_file in (select unnest(?::varchar[]))
            ),
            again as (select _source_file, {keys} from checked_rows where len(_errors) = 0)
            select r._source_file, count(*) from earlier r
            anti join again c on c._source_file = r._source_file and {same}
            group by 1""",
        [names],
    ).fetchall()
    return dict(rows)


def row_findings(tables: BatchTables, spec: FeedSpec) -> dict[str, list[dict]]:
    """Refused rows of `checked_rows` per file, grouped by check and message, with masked examples."""
    rows = tables.con.execute(
        f"""select _source_file, e.check, e.message, count(distinct _row_number),
                   list({{'line': _row_number, 'column': e.column, 'value': e.value}}
                        order by _row_number)[1:{MAX_EXAMPLES}]
            from (select _source_file, _row_number, unnest(_errors) as e from checked_rows
                  where len(_errors) > 0)
            group by _source_file, e.check, e.message order by _source_file, e.check, e.message"""
    ).fetchall()
    findings: dict[str, list[dict]] = {}
    for name, check, message, n, examples in rows:
        findings.setdefault(name, []).append(
            {
                "check": check,
                "message": message,
                "rows_affected": n,
                "examples": mask_examples(examples, spec.personal_columns),
            }
        )
    return findings
