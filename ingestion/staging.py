"""Staging a batch: each format's reader puts the records of the batch's files in `landing_rows`.

One reader per format (SAP extract, CSV, JSON lines, Excel) checks each file's frame (encoding,
header, trailer) and stages its records as text with their line numbers (see loader.py for the
table). One pass serves the whole batch; if DuckDB chokes on some file, the batch is staged again
file by file so that only that file is refused.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.batch import BatchTables
from ingestion.contract import FeedSpec
from ingestion.csv_file import stage_csv
from ingestion.excel_workbook import stage_xlsx
from ingestion.jsonl_file import stage_jsonl
from ingestion.loader import create_landing_rows
from ingestion.rejection import ContractViolation
from ingestion.sap_extract import stage_sap_extract

STAGERS = {"sap": stage_sap_extract, "csv": stage_csv, "jsonl": stage_jsonl, "xlsx": stage_xlsx}


def stage(
    tables: BatchTables, spec: FeedSpec, files: dict[str, Path], work_dir: Path
) -> dict[str, list[str] | ContractViolation]:
    """Stage the batch in one pass; if DuckDB chokes on some file, stage file by file to find it.

    Returns, per file name, its header or the violation that refuses it.
    """
    stager = STAGERS[spec.format]
    create_landing_rows(tables, spec)
    try:
        return stager(tables, files, spec, work_dir) if files else {}
    except duckdb.Error:
        create_landing_rows(tables, spec)
    verdicts: dict[str, list[str] | ContractViolation] = {}
    for name, path in files.items():
        try:
            verdicts.update(stager(tables, {name: path}, spec, work_dir))
        except duckdb.Error as error:  # never echo the error text: it can quote the file's content
            tables.con.execute("delete from landing_rows where _source_file = ?", [name])
            verdicts[name] = ContractViolation(
                "unreadable", f"the file cannot be parsed as {spec.format} ({type(error).__name__})"
            )
    return verdicts
