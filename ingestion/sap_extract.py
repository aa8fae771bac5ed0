"""Read an IBC (SAP) extract: Windows-1252, `|`, header by name, trailer `TRL|<count>|<total>`.

The bytes are decoded in a streamed step (DuckDB's `encodings` extension cannot be downloaded
here), then DuckDB splits the lines and fields, so no Python loop ever runs per row.
"""

from __future__ import annotations

import codecs
import re
from decimal import Decimal
from pathlib import Path

import duckdb

from ingestion.contract import FeedSpec
from ingestion.rejection import ContractViolation

TRAILER = re.compile(r"^TRL\|(\d+)\|(\d+(?:\.\d+)?)$")
CHUNK = 1 << 20


def decode_windows_1252(src: Path, dst: Path) -> None:
    """Write `src` decoded from Windows-1252 to `dst` as UTF-8, refusing bytes 1252 leaves undefined."""
    decoder = codecs.getincrementaldecoder("cp1252")(errors="strict")
    offset = 0
    lines_before = 0
    with src.open("rb") as raw, dst.open("w", encoding="utf-8", newline="") as out:
        while chunk := raw.read(CHUNK):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as err:
                bad = chunk[err.start]
                line = lines_before + chunk[: err.start].count(b"\n") + 1
                raise ContractViolation(
                    "encoding",
                    f"byte 0x{bad:02X} at byte offset {offset + err.start} (line {line}) is not a "
                    "Windows-1252 character; the file was not written in the contract's encoding",
                    rows_affected=None,
                    examples=[{"line": line}],
                ) from None
            offset += len(chunk)
            lines_before += chunk.count(b"\n")
        out.write(decoder.decode(b"", final=True))


def stage_sap_extract(
    con: duckdb.DuckDBPyConnection, path: Path, spec: FeedSpec, work_dir: Path
) -> list[str]:
    """Check encoding, trailer and header, and stage the data lines in temp table `landing_rows`.

    `landing_rows` has one VARCHAR column per header name, `_row_number` (the physical line
    number, header = 1) and `_field_count` (fields found on the line). Returns the header.
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
    _check_header(header, spec)

    data_rows = n_lines - 2
    declared_rows = int(trailer.group(1))
    if declared_rows != data_rows:
        raise ContractViolation(
            "trailer_count",
            f"the trailer declares {declared_rows} records but the file holds {data_rows}: "
            "lines were lost or added in transfer",
            rows_affected=abs(declared_rows - data_rows),
        )

    fields = ", ".join(f'f[{i + 1}] as "{name}"' for i, name in enumerate(header))
    con.execute(
        f"""
        create or replace temp table landing_rows as
        select line_no as _row_number, len(f) as _field_count, {fields}
        from (select line_no, string_split(line, '|') as f from landing_lines
              where line_no between 2 and {n_lines - 1})
        """
    )
    con.execute("drop table landing_lines")

    declared_total = Decimal(trailer.group(2))
    if spec.amount_column is not None:
        total = con.execute(
            f"""select coalesce(sum(try_cast(replace("{spec.amount_column}", '-', '') as decimal(18, 2))), 0)
                from landing_rows"""
        ).fetchone()[0]
        if Decimal(total) != declared_total:
            raise ContractViolation(
                "trailer_total",
                f"the trailer's control total {declared_total} does not match the sum of "
                f"{spec.amount_column} in the file ({total}): amounts were changed or lost",
                rows_affected=data_rows,
            )
    return header


def _check_header(header: list[str], spec: FeedSpec) -> None:
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ContractViolation("header", f"the header repeats the column(s) {', '.join(duplicated)}")
    missing = [c for c in spec.required_columns if c not in header]
    if missing:
        unknown = [h for h in header if h not in {c.name for c in spec.columns}]
        hint = f"; unexpected column(s) {', '.join(unknown)} may be renamed ones" if unknown else ""
        raise ContractViolation(
            "missing_column",
            f"required column(s) {', '.join(missing)} missing from the header{hint}",
        )
