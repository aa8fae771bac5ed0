"""Read an IBC (SAP) extract: Windows-1252, `|`, header by name, trailer `TRL|<count>|<total>`.

The bytes are decoded in a streamed step (DuckDB's `encodings` extension cannot be downloaded
here), then DuckDB splits the lines and fields, so no Python loop ever runs per row.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb

from ingestion.contract import FeedSpec, check_header
from ingestion.encoding import decode_windows_1252
from ingestion.rejection import ContractViolation

TRAILER = re.compile(r"^TRL\|(\d+)\|(\d+(?:\.\d+)?)$")


def stage_sap_extract(
    con: duckdb.DuckDBPyConnection, path: Path, spec: FeedSpec, work_dir: Path
) -> list[str]:
    """Check encoding, trailer and header, and stage the data lines in temp table `landing_rows`.

    `landing_rows` is the loader's staging table (see loader.py); a line whose field count differs
    from the header's is refused as `field_count`. Returns the header.
    """
    utf8 = work_dir / (path.name + ".utf8")
    decode_windows_1252(path, utf8)
    try:
        con.execute(
            """
            create or replace temp table landing_lines as
            with content as (
                select string_split(regexp_replace(content, '(\\r?\\n)+$', ''), chr(10)) as lines
                from read_text(?)
            )
            select
                generate_subscripts(lines, 1)::integer as line_no,
                rtrim(unnest(lines), chr(13)) as line
            from content
            """,
            [str(utf8)],
        )
    finally:
        utf8.unlink(missing_ok=True)

    n_lines, last_line = con.execute("select count(*), max_by(line, line_no) from landing_lines").fetchone()
    if n_lines == 0 or (n_lines == 1 and not last_line):
        raise ContractViolation("empty_file", "the file has no content: not even a header and trailer")
    trailer = TRAILER.match(last_line or "")
    if trailer is None:
        check = "trailer" if (last_line or "").startswith("TRL") else "missing_trailer"
        raise ContractViolation(
            check,
            "the last line is not a trailer `TRL|<record count>|<control total>`: the file is "
            "truncated or was cut short in transfer"
            if check == "missing_trailer"
            else "the trailer is malformed: expected `TRL|<record count>|<control total>`",
            examples=[{"line": n_lines}],
        )
    if n_lines < 2:
        raise ContractViolation("missing_header", "the file has a trailer but no header line")

    header_line = con.execute("select line from landing_lines where line_no = 1").fetchone()[0]
    header = header_line.split("|")
    check_header(header, spec)

    data_rows = n_lines - 2
    declared_rows = int(trailer.group(1))
    if declared_rows != data_rows:
        raise ContractViolation(
            "trailer_count",
            f"the trailer declares {declared_rows} records but the file holds {data_rows}: "
            "lines were lost or added in transfer",
            rows_affected=abs(declared_rows - data_rows),
        )

    fields = ", ".join(
        f'case when len(f) = {len(header)} then f[{header.index(c.name) + 1}] end as "{c.name}"'
        for c in spec.columns
        if c.name in header
    )
    con.execute(
        f"""
        create or replace temp table landing_rows as
        select line_no as _row_number, line as _dup_key,
               case when len(f) <> {len(header)} then 'field_count' end as _reject_check,
               case when len(f) <> {len(header)}
                    then 'the line has ' || len(f) || ' fields, the header {len(header)}' end
                   as _reject_message,
               {fields}
        from (select line_no, line, string_split(line, '|') as f from landing_lines
              where line_no between 2 and {n_lines - 1})
        """
    )
    con.execute("drop table landing_lines")

    declared_total = Decimal(trailer.group(2))
    if spec.amount_column is not None:
        # Summed as written, unsigned; a line that cannot be split has no amount to add, so a file
        # with such lines is not judged on its total (those lines are quarantined instead).
        total, unsplit = con.execute(
            f"""select coalesce(sum(try_cast(replace("{spec.amount_column}", '-', '') as decimal(18, 2))), 0),
                       count(*) filter (where _reject_check is not null)
                from landing_rows"""
        ).fetchone()
        if Decimal(total) != declared_total and not unsplit:
            raise ContractViolation(
                "trailer_total",
                f"the trailer's control total {declared_total} does not match the sum of "
                f"{spec.amount_column} in the file ({total}): amounts were changed or lost",
                rows_affected=data_rows,
            )
    return header
