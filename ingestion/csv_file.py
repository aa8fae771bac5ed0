"""Read a CSV feed: UTF-8 (optional BOM), comma, `"` quoting, header on line 1 keyed by name.

Python only looks at the header line; DuckDB's read_csv parses the records with every column as
text, and its `store_rejects` tables turn a malformed record (wrong field count, unterminated
quote, oversized line) into a refused row with its line number instead of failing the file.
Line numbers count records: a value holding a line break does not add one (documented).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from ingestion.batch import BatchTables
from ingestion.contract import FeedSpec, check_header
from ingestion.encoding import check_line_length, check_utf8
from ingestion.loader import LANDING_META
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
                if required <= set(next(csv.reader([first[0]], delimiter=delimiter))):
                    raise ContractViolation(
                        "delimiter",
                        f"the header is separated by {delimiter!r}, not by commas as the contract says",
                    )
    check_header(first, spec)
    return first


def stage_csv(
    tables: BatchTables, files: dict[str, Path], spec: FeedSpec, work_dir: Path
) -> dict[str, list[str] | ContractViolation]:
    """Check each file's encoding and header, and stage the records in `landing_rows` (see loader).

    Returns, per file name, its header or the violation that refuses it (its records not staged).
    Files sharing a header are parsed by one read_csv.
    """
    verdicts: dict[str, list[str] | ContractViolation] = {}
    groups: dict[tuple[str, ...], dict[str, Path]] = defaultdict(dict)
    for name, path in files.items():
        try:
            check_line_length(path)
            check_utf8(path)
            header = _check_layout(path, spec)
        except ContractViolation as violation:
            verdicts[name] = violation
            continue
        verdicts[name] = header
        groups[tuple(header)][name] = path
    for header, members in groups.items():
        _stage_group(tables, spec, list(header), members)
    return verdicts


def _stage_group(tables: BatchTables, spec: FeedSpec, header: list[str], files: dict[str, Path]) -> None:
    positions = {name: i + 1 for i, name in enumerate(header)}
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, len(header) + 1)) + "}"
    paths = [str(p) for p in files.values()]
    con = tables.con
    tables.create(
        "batch_paths",
        "as select unnest(?::varchar[]) as path, unnest(?::varchar[]) as _source_file",
        [paths, list(files)],
    )
    # Created straight from read_csv so that the table's rowid keeps each file's record order.
    tables.adopt("csv_reject_errors")
    tables.adopt("csv_reject_scans")
    tables.create(
        "csv_records",
        f"""
        as select * from read_csv(?, columns = {columns}, header = false, skip = 1, delim = ',', quote = '"',
                               escape = '"', auto_detect = false, filename = true,
                               store_rejects = true, rejects_table = 'csv_reject_errors',
                               rejects_scan = 'csv_reject_scans')
        """,
        [paths],
    )
    tables.create(
        "csv_rejected",
        """as select b._source_file, e.line::integer as line, min(e.error_type::varchar) as error_type
           from csv_reject_errors e
           join csv_reject_scans s using (scan_id, file_id)
           join batch_paths b on b.path = s.file_path
           group by 1, 2""",
    )
    tables.drop("csv_reject_errors", "csv_reject_scans")
    cases = " ".join(f"when '{k}' then '{check}'" for k, (check, _) in REJECT_MESSAGES.items())
    messages = " ".join(f"when '{k}' then '{message}'" for k, (_, message) in REJECT_MESSAGES.items())
    present = [c.name for c in spec.columns if c.name in positions]
    names = ", ".join(f'"{name}"' for name in present)
    fields = ", ".join(f"c{positions[name]}" for name in present)
    nulls = ", ".join("null" for _ in present)
    # Records are numbered from line 2 in file order: the k-th record of a file (kept in order, one
    # file after another, by the table's rowid) is on line k + 1. Where DuckDB refused records,
    # those keep their line numbers and the good records take the file's remaining numbers in turn.
    con.execute(
        f"""
        insert into landing_rows ({LANDING_META}, {names})
        with files as (
            select b._source_file, r.filename, min(r.rowid) as first, count(*) as n
            from csv_records r join batch_paths b on b.path = r.filename group by 1, 2
        ),
        records as (
            select f._source_file, r.rowid - f.first + 1 as k, r.*
            from (select rowid, * from csv_records) r join files f using (filename)
        ),
        slots as (
            select f._source_file, unnest(range(2, 2 + f.n + count(*))) as l
            from files f join csv_rejected x using (_source_file) group by f._source_file, f.n
        ),
        numbered as (
            select s._source_file, s.l, row_number() over (partition by s._source_file order by s.l) as k
            from slots s anti join csv_rejected x on x._source_file = s._source_file and x.line = s.l
        )
        select r._source_file, coalesce(n.l, r.k + 1)::integer, null, null, {fields}
        from records r left join numbered n using (_source_file, k)
        union all
        select _source_file, line, case error_type {cases} else '{DEFAULT_REJECT[0]}' end,
               case error_type {messages} else '{DEFAULT_REJECT[1]}' end, {nulls}
        from csv_rejected
        """
    )
    tables.drop("csv_records", "csv_rejected", "batch_paths")
