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

from ingestion.batch import BatchTables
from ingestion.contract import FeedSpec, check_header
from ingestion.encoding import check_line_length, check_utf8
from ingestion.loader import LANDING_META
from ingestion.rejection import ContractViolation
from ingestion.text_lines import stage_lines


def stage_jsonl(
    tables: BatchTables, files: dict[str, Path], spec: FeedSpec, work_dir: Path
) -> dict[str, list[str] | ContractViolation]:
    """Check each file's encoding and keys, and stage the records in `landing_rows` (see loader).

    Returns, per file name, its "header" (the keys its objects use) or the violation that refuses it.
    """
    verdicts: dict[str, list[str] | ContractViolation] = {}
    readable: dict[str, Path] = {}
    for name, path in files.items():
        try:
            check_line_length(path)
            check_utf8(path)
            readable[name] = path
        except ContractViolation as violation:
            verdicts[name] = violation
    if not readable:
        return verdicts
    stage_lines(tables, readable)
    con = tables.con
    tables.create(
        "jsonl_lines",
        """
        as select _source_file, line_no, line,
               coalesce(json_valid(line) and starts_with(ltrim(line), '{'), false) as is_object
        from file_lines where trim(line) <> ''
        """,
    )
    tables.drop("file_lines")
    keys = con.execute(
        """select _source_file, list(key order by first_line, key) from (
               select _source_file, key, min(line_no) as first_line
               from (select _source_file, line_no, unnest(json_keys(line)) as key
                     from (select _source_file, line_no, case when is_object then line else '{}' end as line
                           from jsonl_lines))
               group by 1, 2)
           group by 1"""
    ).fetchall()
    headers = dict(keys)
    for name in readable:
        header = headers.get(name, [])
        try:
            if header:  # a file without records (a quiet day) has no keys to judge
                check_header(header, spec)
            verdicts[name] = header
        except ContractViolation as violation:
            verdicts[name] = violation
    accepted = [n for n in readable if not isinstance(verdicts[n], ContractViolation)]
    paths = ", ".join(f"'$.\"{c.name}\"'" for c in spec.columns)
    names = ", ".join(f'"{c.name}"' for c in spec.columns)
    fields = ", ".join(
        f"nullif(json_extract(safe, '$.\"{c.name}\"')::varchar, 'null')"
        if c.type == "json"
        else f"v[{i + 1}]"
        for i, c in enumerate(spec.columns)
    )
    con.execute(
        f"""
        insert into landing_rows ({LANDING_META}, {names})
        select _source_file, line_no,
               case when not is_object then 'malformed_json' end,
               case when not is_object then 'the line is not a complete JSON object' end,
               {fields}
        from (select _source_file, line_no, line, is_object, safe,
                     json_extract_string(safe, [{paths}]) as v
              from (select *, case when is_object then line else '{{}}' end as safe from jsonl_lines)
              where _source_file in (select unnest(?::varchar[])))
        """,
        [accepted],
    )
    tables.drop("jsonl_lines")
    return verdicts
