"""Split a batch of UTF-8 text files into numbered lines in one DuckDB pass.

Shared by the line-oriented readers (SAP extracts, JSON lines): one `read_text` over every file
of the batch, so the cost per file is a few rows of a query, not a query.
"""

from __future__ import annotations

from pathlib import Path

from ingestion.batch import BatchTables


def stage_lines(tables: BatchTables, files: dict[str, Path]) -> None:
    """The batch's table `file_lines(_source_file, line_no, line)`: line 1 is the file's first line.

    `files` maps a landing file name to the UTF-8 text to read for it. Line ends are LF or CRLF;
    the line breaks at the very end of a file do not make empty lines, a BOM is dropped.
    """
    paths = [str(p) for p in files.values()]
    tables.create(
        "batch_paths",
        "as select unnest(?::varchar[]) as path, unnest(?::varchar[]) as _source_file",
        [paths, list(files)],
    )
    tables.create(
        "file_lines",
        """
        as with content as (
            select b._source_file,
                   string_split(regexp_replace(ltrim(t.content, chr(65279)), '(\\r?\\n)+$', ''), chr(10))
                       as lines
            from read_text(?) t join batch_paths b on b.path = t.filename
        )
        select _source_file, generate_subscripts(lines, 1)::integer as line_no,
               rtrim(unnest(lines), chr(13)) as line
        from content
        """,
        [paths],
    )
    tables.drop("batch_paths")
