"""Read a CSV feed: UTF-8 (optional BOM), comma, `"` quoting, header on line 1 keyed by name.

Python only looks at the header line; DuckDB's read_csv parses the records with every column as
text, and its `store_rejects` tables turn a malformed record (wrong field count, unterminated
quote, oversized line) into a refused row with its line number instead of failing the file.
Line numbers count records: a value holding a line break does not add one (documented).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from ingestion.contract import FeedSpec, check_header
from ingestion.encoding import check_utf8
from ingestion.rejection import ContractViolation

HEADER_PEEK = 1 << 16  # the header line is short; a longer first line is not a header
OTHER_DELIMITERS = (";", "\t", "|")
REJECT_MESSAGES = {
    "MISSING COLUMNS": ("field_count", "the record has fewer fields than the header"),
    "TOO MANY COLUMNS": ("field_count", "the record has more fields than the header"),
    "UNQUOTED VALUE": ("malformed_csv", "a quoted value is not closed, or text follows a closing quote"),
    "LINE SIZE OVER MAXIMUM": ("malformed_csv", "the record is longer than the 2 MB line limit"),
}
DEFAULT_REJECT = ("malformed_csv", "the record cannot be parsed as CSV")


def _first_lines(path: Path, n: int) -> list[list[str]]:
    """The first `n` lines parsed as CSV (the BOM removed), for the header checks."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines = [f.readline(HEADER_PEEK) for _ in range(n)]
    return [next(csv.reader(io.StringIO(line)), []) if line.strip() else [] for line in lines]


def _check_layout(path: Path, spec: FeedSpec) -> list[str]:
    """The header, or the contract violation that explains why line 1 is not one."""
    first, second = _first_lines(path, 2)
    if not first:
        raise ContractViolation("empty_file", "the file has no header line (it is empty or blank)")
    required = set(spec.required_columns)
    if not required <= set(first):
        if second and required <= set(second):
            raise ContractViolation(
                "title_row",
                "line 1 is not the header: a title row sits above the header on line 2; the contract "
                "puts the header on line 1",
                examples=[{"line": 1}],
            )
        if len(first) == 1:
            for delimiter in OTHER_DELIMITERS:
                if required <= set(first[0].split(delimiter)):
                    raise ContractViolation(
                        "delimiter",
                        f"the header is separated by {delimiter!r}, not by commas as the contract says",
                    )
    check_header(first, spec)
    return first


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, spec: FeedSpec, work_dir: Path) -> list[str]:
    """Check encoding and header, and stage the records in temp table `landing_rows` (see loader)."""
    check_utf8(path)
    header = _check_layout(path, spec)
    positions = {name: i + 1 for i, name in enumerate(header)}
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, len(header) + 1)) + "}"
    con.execute(
        f"""
        create or replace temp table csv_records as
        select * from read_csv(?, columns = {columns}, header = false, skip = 1, delim = ',',
                               quote = '"', escape = '"', auto_detect = false,
                               store_rejects = true, rejects_table = 'csv_reject_errors',
                               rejects_scan = 'csv_reject_scans')
        """,
        [str(path)],
    )
    con.execute(
        """create or replace temp table csv_rejected as
           select line::integer as line, min(error_type::varchar) as error_type
           from csv_reject_errors group by line"""
    )
    con.execute("drop table csv_reject_errors")
    con.execute("drop table csv_reject_scans")
    cases = " ".join(f"when '{k}' then '{check}'" for k, (check, _) in REJECT_MESSAGES.items())
    messages = " ".join(f"when '{k}' then '{message}'" for k, (_, message) in REJECT_MESSAGES.items())
    fields = ", ".join(f'c{positions[c.name]} as "{c.name}"' for c in spec.columns if c.name in positions)
    nulls = ", ".join(f'null::varchar as "{c.name}"' for c in spec.columns if c.name in positions)
    record = ", ".join(f"coalesce(c{i}, chr(30))" for i in range(1, len(header) + 1))
    # Records are numbered from line 2 in file order; rejected records keep DuckDB's line numbers,
    # good records (kept in file order by the table's rowid) take the remaining numbers in turn.
    con.execute(
        f"""
        create or replace temp table landing_rows as
        with slots as (
            select l from range(2, 2 + (select count(*) from csv_records)
                                    + (select count(*) from csv_rejected)) as t(l)
            where l not in (select line from csv_rejected)
        ),
        numbered as (select l, row_number() over (order by l) - 1 as k from slots)
        select numbered.l::integer as _row_number, concat_ws(chr(31), {record}) as _dup_key,
               null::varchar as _reject_check, null::varchar as _reject_message, {fields}
        from csv_records r join numbered on numbered.k = r.rowid
        union all
        select line, null, case error_type {cases} else '{DEFAULT_REJECT[0]}' end,
               case error_type {messages} else '{DEFAULT_REJECT[1]}' end, {nulls}
        from csv_rejected
        """
    )
    con.execute("drop table csv_records")
    con.execute("drop table csv_rejected")
    return header
