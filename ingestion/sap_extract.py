"""Read IBC (SAP) extracts: Windows-1252, `|`, header by name, trailer `TRL|<count>|<total>`.

The bytes are decoded in a streamed step (DuckDB's `encodings` extension cannot be downloaded
here; a plain ASCII file needs no decoding), then DuckDB splits the lines and fields of every file
of the batch at once, so no Python loop ever runs per row; Python only judges each file's header
and trailer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb

from ingestion.batch import BatchTables
from ingestion.contract import FeedSpec, check_header
from ingestion.encoding import check_line_length, decode_windows_1252, is_ascii
from ingestion.layout import Layout
from ingestion.loader import LANDING_META
from ingestion.rejection import ContractViolation
from ingestion.text_lines import stage_lines

TRAILER = re.compile(r"^TRL\|(\d+)\|(\d+(?:\.\d+)?)$")


def stage_sap_extract(
    tables: BatchTables, files: dict[str, Path], spec: FeedSpec, work_dir: Path
) -> dict[str, list[str] | ContractViolation]:
    """Check each file's encoding, trailer and header, and stage the data lines in `landing_rows`.

    Returns, per file name, its header or the violation that refuses it (its lines not staged).
    A line whose field count differs from the header's is staged as refused (`field_count`).
    """
    verdicts: dict[str, list[str] | ContractViolation] = {}
    readable: dict[str, Path] = {}  # the file itself when it is plain ASCII, else its UTF-8 copy
    decoded: list[Path] = []
    try:
        for name, path in files.items():
            try:
                check_line_length(path)
            except ContractViolation as violation:
                verdicts[name] = violation
                continue
            if is_ascii(path):
                readable[name] = path
                continue
            utf8 = Layout.decoded(work_dir, name)
            decoded.append(utf8)
            try:
                decode_windows_1252(path, utf8)
                readable[name] = utf8
            except ContractViolation as violation:
                verdicts[name] = violation
        if not readable:
            return verdicts
        stage_lines(tables, readable)
    finally:
        for utf8 in decoded:
            utf8.unlink(missing_ok=True)

    con = tables.con
    summary = con.execute(
        """select _source_file, count(*), max_by(line, line_no), min_by(line, line_no)
           from file_lines group by 1"""
    ).fetchall()
    totals: dict[str, Decimal] = {}
    groups: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for name, n_lines, last_line, first_line in summary:
        try:
            header, totals[name] = _check_structure(n_lines, last_line, first_line, spec)
        except ContractViolation as violation:
            verdicts[name] = violation
            continue
        verdicts[name] = header
        groups[tuple(header)].append((name, n_lines))
    for header, members in groups.items():
        _stage_group(con, spec, list(header), members)
    tables.drop("file_lines")
    if spec.amount_column is not None:
        for name, violation in _check_totals(con, spec, totals).items():
            verdicts[name] = violation
        refused = [n for n, v in verdicts.items() if isinstance(v, ContractViolation)]
        con.execute("delete from landing_rows where _source_file in (select unnest(?::varchar[]))", [refused])
    return verdicts


def _check_structure(
    n_lines: int, last_line: str | None, first_line: str | None, spec: FeedSpec
) -> tuple[list[str], Decimal]:
    """The header and declared control total, or the reason the file's frame is broken."""
    if n_lines == 0 or (n_lines == 1 and not last_line):
        raise ContractViolation("empty_file", "the file has no content: not even a header and trailer")
    trailer = TRAILER.match(last_line or "")
    if trailer is None:
        if (last_line or "").startswith("TRL"):
            raise ContractViolation(
                "trailer",
                "the trailer is malformed: expected `TRL|<record count>|<control total>`",
                examples=[{"line": n_lines}],
            )
        raise ContractViolation(
            "missing_trailer",
            "the last line is not a trailer `TRL|<record count>|<control total>`: the file is "
            "truncated or was cut short in transfer",
            examples=[{"line": n_lines}],
        )
    if n_lines < 2:
        raise ContractViolation("missing_header", "the file has a trailer but no header line")
    header = (first_line or "").split("|")
    check_header(header, spec)
    data_rows = n_lines - 2
    declared_rows = int(trailer.group(1))
    if declared_rows != data_rows:
        raise ContractViolation(
            "trailer_count",
            f"the trailer declares {declared_rows} records but the file holds {data_rows}: "
            "lines were lost or added in transfer",
            rows_affected=abs(declared_rows - data_rows),
            examples=[{"line": n_lines}],
        )
    return header, Decimal(trailer.group(2))


def _stage_group(
    con: duckdb.DuckDBPyConnection, spec: FeedSpec, header: list[str], members: list[tuple[str, int]]
) -> None:
    """Split the data lines of files sharing one header into the contract's columns."""
    fields = ", ".join(
        f'case when len(f) = {len(header)} then f[{header.index(c.name) + 1}] end as "{c.name}"'
        for c in spec.columns
        if c.name in header
    )
    names = ", ".join(f'"{c.name}"' for c in spec.columns if c.name in header)
    con.execute(
        f"""
        insert into landing_rows ({LANDING_META}, {names})
        select _source_file, line_no,
               case when len(f) <> {len(header)} then 'field_count' end,
               case when len(f) <> {len(header)}
                    then 'the line has ' || len(f) || ' fields, the header {len(header)}' end,
               {fields}
        from (select l._source_file, l.line_no, l.line, string_split(l.line, '|') as f
              from file_lines l
              join (select unnest(?::varchar[]) as name, unnest(?::integer[]) as n_lines) m
                on m.name = l._source_file
              where l.line_no between 2 and m.n_lines - 1)
        """,
        [[name for name, _ in members], [n for _, n in members]],
    )


def _check_totals(
    con: duckdb.DuckDBPyConnection, spec: FeedSpec, declared: dict[str, Decimal]
) -> dict[str, ContractViolation]:
    """Files whose amounts, summed as written and unsigned, miss the trailer's control total.

    A line that cannot be split has no amount to add, so a file with such lines is not judged on
    its total (those lines are quarantined instead).
    """
    rows = con.execute(
        f"""select _source_file, count(*),
                   coalesce(sum(try_cast(replace("{spec.amount_column}", '-', '') as decimal(38, 2))), 0),
                   count(*) filter (where _reject_check is not null)
            from landing_rows group by 1"""
    ).fetchall()
    found = {name: (n, total, unsplit) for name, n, total, unsplit in rows}
    violations = {}
    for name, expected in declared.items():
        n, total, unsplit = found.get(name, (0, Decimal(0), 0))
        if Decimal(total) != expected and not unsplit:
            violations[name] = ContractViolation(
                "trailer_total",
                f"the trailer's control total {expected} does not match the sum of "
                f"{spec.amount_column} in the file ({total}): amounts were changed or lost",
                rows_affected=n,
            )
    return violations
