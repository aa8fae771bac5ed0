"""Read a JSON-lines feed: UTF-8, one JSON object a line, fields keyed by name.

DuckDB splits the lines and extracts every contract field as text in one pass; a line that is not
a JSON object (malformed, cut short) becomes a refused row with its line number. Blank lines are
not records. A file with no records must still hold at least a line break: zero bytes means the
transfer failed (`empty_file`), so a quiet day is a file of one empty line (see docs/ingestion.md).
The "header" of a JSON-lines file is the set of keys its objects use: a required key that no
object carries (a renamed field) refuses the file like a missing CSV column.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.contract import FeedSpec, check_header
from ingestion.encoding import check_utf8


def stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, spec: FeedSpec, work_dir: Path) -> list[str]:
    """Check encoding and keys, and stage the records in temp table `landing_rows` (see loader)."""
    check_utf8(path)
    con.execute(
        """
        create or replace temp table jsonl_lines as
        with content as (
            select string_split(ltrim(content, chr(65279)), chr(10)) as lines from read_text(?)
        ),
        numbered as (
            select generate_subscripts(lines, 1)::integer as line_no,
                   rtrim(unnest(lines), chr(13)) as line
            from content
        )
        select line_no, line,
               coalesce(case when json_valid(line) then json_type(line) = 'OBJECT' end, false) as is_object
        from numbered where trim(line) <> ''
        """,
        [str(path)],
    )
    header = [
        row[0]
        for row in con.execute(
            """select key from (select unnest(json_keys(line)) as key, line_no from jsonl_lines
                                where is_object)
               group by key order by min(line_no), key"""
        ).fetchall()
    ]
    if header:
        check_header(header, spec)
    present = [c for c in spec.columns if c.name in header]
    paths = ", ".join(f"'$.\"{c.name}\"'" for c in present)
    fields = "".join(
        f", nullif(json_extract(line, '$.\"{c.name}\"')::varchar, 'null') as \"{c.name}\""
        if c.type == "json"
        else f', v[{i + 1}] as "{c.name}"'
        for i, c in enumerate(present)
    )
    values = f"json_extract_string(line, [{paths}])" if present else "null"
    con.execute(
        f"""
        create or replace temp table landing_rows as
        select line_no as _row_number, line as _dup_key,
               case when not is_object then 'malformed_json' end as _reject_check,
               case when not is_object then 'the line is not a complete JSON object' end
                   as _reject_message{fields}
        from (select line_no, line, is_object,
                     case when is_object then {values} end as v
              from jsonl_lines)
        """
    )
    con.execute("drop table jsonl_lines")
    return header
