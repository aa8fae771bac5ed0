"""Read the programme office's hand-kept workbook: sheet `Benefits`, header found by its names.

The workbook is small (tens of rows), so openpyxl's read-only mode and a Python loop over its
rows are fine here. Title rows above the header, blank rows and total rows are layout, not records:
they are skipped (the contract says they occur), and every other row is staged with its Excel row
number. DuckDB's `excel` extension cannot be downloaded here, hence openpyxl.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from openpyxl import load_workbook

from ingestion.batch import BatchTables
from ingestion.contract import FeedSpec, check_header
from ingestion.rejection import ContractViolation

SHEET = "Benefits"
HEADER_SEARCH_ROWS = 20  # the header sits within the first rows, under any title rows
# The tracker holds tens of rows and unpacks to kilobytes. A workbook past these limits is refused
# before it is parsed (a zip bomb unpacks a small file into gigabytes).
MAX_UNPACKED_BYTES = 64 << 20
MAX_ROWS = 100_000


def _text(value: object) -> str | None:
    """A cell as the text a CSV would hold: numbers in plain notation, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f") if value == value else None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _is_total(cells: list[str | None]) -> bool:
    first = next((c for c in cells if c is not None), "")
    return first.lower().startswith("total")


def stage_xlsx(
    tables: BatchTables, files: dict[str, Path], spec: FeedSpec, work_dir: Path
) -> dict[str, list[str] | ContractViolation]:
    """Find each workbook's header, skip layout rows, and stage the records in `landing_rows`."""
    verdicts: dict[str, list[str] | ContractViolation] = {}
    for name, path in files.items():
        try:
            header, table = _read(path, name, spec)
        except ContractViolation as violation:
            verdicts[name] = violation
            continue
        verdicts[name] = header
        tables.con.register("xlsx_records", table)
        try:
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            tables.con.execute(f"insert into landing_rows ({columns}) select * from xlsx_records")
        finally:
            tables.con.unregister("xlsx_records")
    return verdicts


def _sheet_rows(path: Path) -> list[list[str | None]]:
    """Every row of sheet `Benefits` as text, after checking the workbook cannot unpack into gigabytes."""
    with zipfile.ZipFile(path) as archive:  # the sizes its directory declares bound what unpacks
        unpacked = sum(item.file_size for item in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_large(f"the workbook unpacks to {unpacked >> 20} MB (limit {MAX_UNPACKED_BYTES >> 20} MB)")
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if SHEET not in workbook.sheetnames:
            raise ContractViolation("missing_sheet", f"the workbook has no sheet named `{SHEET}`")
        sheet = workbook[SHEET]
        # Read to the last row the sheet holds, not to the size its (possibly stale) dimension states.
        sheet.reset_dimensions()
        rows = []
        for row in sheet.iter_rows(min_row=1, values_only=True):
            if len(rows) == MAX_ROWS:
                raise _too_large(f"sheet `{SHEET}` has more than {MAX_ROWS} rows")
            rows.append([_text(v) for v in row])
    finally:
        workbook.close()
    return rows


def _too_large(message: str) -> ContractViolation:
    return ContractViolation("too_large", f"{message}: more than a hand-kept tracker holds; refused unread")


def _read(path: Path, name: str, spec: FeedSpec) -> tuple[list[str], pa.Table]:
    try:
        rows = _sheet_rows(path)
    except ContractViolation:
        raise
    except Exception as error:  # openpyxl raises many kinds on a malformed workbook; never echo their text
        raise ContractViolation(
            "not_a_workbook", f"the file is not a readable Excel (.xlsx) workbook ({type(error).__name__})"
        ) from None

    required = set(spec.required_columns)
    header_at = next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if required <= set(row)), None)
    if header_at is None:
        best = max(rows[:HEADER_SEARCH_ROWS], key=lambda row: len(required & set(row)), default=[])
        check_header([c for c in best if c is not None], spec)  # names what is missing
        raise ContractViolation("missing_column", "no row holds the contract's column names")
    header = [c for c in rows[header_at] if c is not None]
    check_header(header, spec)
    positions = {h: i for i, h in enumerate(rows[header_at]) if h is not None}
    wanted = [c.name for c in spec.columns if c.name in positions]
    records: dict[str, list] = {"_row_number": [], **{w: [] for w in wanted}}
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if all(c is None for c in row) or _is_total(row):
            continue
        records["_row_number"].append(number)
        for w in wanted:
            i = positions[w]
            records[w].append(row[i] if i < len(row) else None)
    n = len(records["_row_number"])
    table = pa.table(
        {
            "_source_file": pa.array([name] * n, pa.string()),
            "_row_number": pa.array(records["_row_number"], pa.int32()),
            **{w: pa.array(records[w], pa.string()) for w in wanted},
        }
    )
    return header, table
