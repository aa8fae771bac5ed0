"""The temporary tables of one batch of files: created and dropped only through one object.

A batch passes its rows from step to step in DuckDB temp tables: the readers split files into
`file_lines` and stage records in `landing_rows`, the loader checks them into `checked_rows` and
writes them with `batch_files`. Every such table is made through the batch's `BatchTables`, which
drops whatever is left when the batch ends, however it ends: no module drops a table another
created, and a failed batch leaves nothing for the next one to trip over.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import duckdb


class BatchTables:
    """Owner of a batch's temporary tables on one connection (use as a context manager)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._tables: list[str] = []

    def create(self, name: str, definition: str, params: Sequence[Any] | None = None) -> str:
        """`create or replace temp table <name> <definition>` (`as select ...` or `(columns)`)."""
        self.con.execute(f"create or replace temp table {name} {definition}", params)
        return self.adopt(name)

    def adopt(self, name: str) -> str:
        """Take charge of a temp table DuckDB made on the batch's behalf (read_csv's rejects tables)."""
        if name not in self._tables:
            self._tables.append(name)
        return name

    def drop(self, *names: str) -> None:
        """Drop tables the batch no longer needs (early, to free their memory)."""
        for name in names:
            self.con.execute(f"drop table if exists {name}")
            if name in self._tables:
                self._tables.remove(name)

    def close(self) -> None:
        self.drop(*list(self._tables))

    def __enter__(self) -> BatchTables:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
            return
        with contextlib.suppress(duckdb.Error):  # never hide the error that ended the batch
            self.close()
