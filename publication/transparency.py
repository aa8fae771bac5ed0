"""The transparency and statutory files of the `open` audience, one writer for all of them.

Which rows and what they say (redaction of individuals, generic purpose, the figures) is decided in
dbt; this module only lays the rows of each table out as its contract's CSV: UTF-8 with BOM,
comma, quoted where needed, dd/mm/yyyy dates, money with two decimals, no thousands separator.
Each file kind (`TransparencyFile`) says which table it reads, its header, and how its rows are cut
into files (per ended month, per period, the latest ended quarter):

- `spend_over_500_YYYY-MM.csv` (contracts/publication.md): one per ended month;
- `payments_compliance_notice_YYYY-MM_YYYY-MM.csv` (contracts/kpis.md, Statutory outputs): one per
  period dbt publishes (it publishes only ended periods);
- `contracts_over_5000_YYYY-QN.csv`: the register as the release holds it, as the file of the latest
  calendar quarter ended by the reporting date (docs/statutory.md).
"""

from __future__ import annotations

import csv
import filecmp
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from ingestion.layout import SHARED_FILE, SHARED_FOLDER, Release

# One slice of a table: the file's name, a SQL condition on the table and its parameters.
Slice = tuple[str, str, list[object]]


@dataclass(frozen=True)
class TransparencyFile:
    """One kind of file: its table, header (contract header -> column), the decimals of each numeric
    column (money 2), the order of its rows, and how the table is cut into files."""

    table: str
    columns: Mapping[str, str]
    decimals: Mapping[str, int]
    order_by: str
    slices: Callable[[duckdb.DuckDBPyConnection, str, Sequence[date]], list[Slice]]


def _month_slices(con: duckdb.DuckDBPyConnection, table: str, ended_months: Sequence[date]) -> list[Slice]:
    """One file per ended month (publication.completeness.ended_months: the months dbt says have
    ended, the definition is_complete uses) from the first month with spend; a month with none
    gets the header."""
    first = con.execute(f"select min(transaction_date) from {table}").fetchone()[0]
    if first is None:
        return []
    return [
        (
            f"spend_over_500_{month:%Y-%m}.csv",
            "transaction_date >= ? and transaction_date < ?",
            [month, _next_month(month)],
        )
        for month in ended_months
        if month >= first.replace(day=1)
    ]


def _period_slices(con: duckdb.DuckDBPyConnection, table: str, ended_months: Sequence[date]) -> list[Slice]:
    """One file per period the table holds: dbt publishes a period only once it has ended."""
    periods = con.execute(f"select distinct period_start, period_end from {table} order by 1").fetchall()
    return [
        (f"payments_compliance_notice_{start:%Y-%m}_{end:%Y-%m}.csv", "period_start = ?", [start])
        for start, end in periods
    ]


def _latest_quarter_slice(
    con: duckdb.DuckDBPyConnection, table: str, ended_months: Sequence[date]
) -> list[Slice]:
    """The whole table as the file of the latest calendar quarter ended by the reporting date (a
    quarter has ended when its last month has); none before a quarter has ended."""
    quarter_ends = [month for month in ended_months if month.month % 3 == 0]
    if not quarter_ends:
        return []
    last = max(quarter_ends)
    return [(f"contracts_over_5000_{last.year}-Q{last.month // 3}.csv", "true", [])]


SPEND_OVER_500 = TransparencyFile(
    table="transparency_spend_over_500",
    columns={
        "Body name": "body_name",
        "Transaction date": "transaction_date",
        "Transaction number": "transaction_number",
        "Supplier name": "supplier_name",
        "Supplier ID": "supplier_id",
        "Net amount": "net_amount",
        "Irrecoverable VAT": "irrecoverable_vat",
        "Department": "department",
        "Service area": "service_area",
        "Expense type": "expense_type",
        "Procurement category": "procurement_category",
        "Purpose": "purpose",
        "Card transaction": "card_transaction",
    },
    decimals={"net_amount": 2, "irrecoverable_vat": 2},
    order_by="transaction_date, transaction_number, expense_type, supplier_id",
    slices=_month_slices,
)
# The contract names the notice's columns; the header repeats them. The mean days to pay has two
# decimals, the shares (0 to 1) four (docs/statutory.md).
PAYMENTS_COMPLIANCE_NOTICE = TransparencyFile(
    table="payments_compliance_notice",
    columns={
        name: name
        for name in (
            "period_start",
            "period_end",
            "scope",
            "invoices_paid",
            "avg_days_to_pay",
            "pct_paid_1_30_days",
            "pct_paid_31_60_days",
            "pct_paid_61_plus_days",
            "invoices_payable",
            "pct_payable_not_paid_in_period",
        )
    },
    decimals={
        "avg_days_to_pay": 2,
        "pct_paid_1_30_days": 4,
        "pct_paid_31_60_days": 4,
        "pct_paid_61_plus_days": 4,
        "pct_payable_not_paid_in_period": 4,
    },
    order_by="period_start, scope desc",  # public_contracts (the notice) first
    slices=_period_slices,
)
CONTRACTS_OVER_5000 = TransparencyFile(
    table="transparency_contracts_over_5000",
    columns={
        "Reference": "reference",
        "Title": "title",
        "Department": "department",
        "Description": "description",
        "Supplier name": "supplier_name",
        "Supplier company number": "supplier_company_number",
        "Value": "value",
        "Annual value": "annual_value",
        "Irrecoverable VAT": "irrecoverable_vat",
        "Start date": "start_date",
        "End date": "end_date",
        "Review date": "review_date",
        "Route": "route",
        "SME": "sme",
        "VCSE": "vcse",
    },
    decimals={"value": 2, "annual_value": 2, "irrecoverable_vat": 2},
    order_by="reference",
    slices=_latest_quarter_slice,
)
TRANSPARENCY_FILES = (SPEND_OVER_500, PAYMENTS_COMPLIANCE_NOTICE, CONTRACTS_OVER_5000)


def write_files(
    spec: TransparencyFile,
    con: duckdb.DuckDBPyConnection,
    table: str,
    folder: Path,
    ended_months: Sequence[date],
) -> list[Path]:
    """Write the files of one kind from `table` (schema-qualified) into `folder`."""
    slices = spec.slices(con, table, ended_months)
    if not slices:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    select = ", ".join(spec.columns.values())
    written = []
    for name, condition, parameters in slices:
        rows = con.execute(
            f"select {select} from {table} where {condition} order by {spec.order_by}", parameters
        ).fetchall()
        path = folder / name
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(spec.columns)
            writer.writerows(_formatted(spec, row) for row in rows)
        written.append(path)
    return written


def write_transparency_files(
    con: duckdb.DuckDBPyConnection, table: str, folder: Path, ended_months: Sequence[date]
) -> list[Path]:
    """The spend over 500 files: one per ended month from the first month with spend."""
    return write_files(SPEND_OVER_500, con, table, folder, ended_months)


def write_all_transparency_files(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    tables: Sequence[str],
    folder: Path,
    ended_months: Sequence[date],
) -> list[Path]:
    """Every kind of file whose table is among `tables` (the open set's), from `schema`."""
    written: list[Path] = []
    for spec in TRANSPARENCY_FILES:
        if spec.table in tables:
            written += write_files(spec, con, f"{schema}.{spec.table}", folder, ended_months)
    return written


def publish_transparency_files(release: Path, target: Path) -> list[str]:
    """Copy a release's transparency files to `published/transparency/`, atomically, where new or changed."""
    source = Release(release).open.transparency
    if not source.is_dir():
        return []
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(SHARED_FOLDER)  # the public copy: readable by anyone the folder is shared with
    changed = []
    for path in sorted(source.glob("*.csv")):
        destination = target / path.name
        if destination.exists() and filecmp.cmp(path, destination, shallow=False):
            continue
        tmp = target / f".{path.name}.{os.getpid()}"
        shutil.copyfile(path, tmp)
        tmp.chmod(SHARED_FILE)
        os.replace(tmp, destination)
        changed.append(path.name)
    return changed


def _formatted(spec: TransparencyFile, row: tuple) -> list[str]:
    out = []
    for column, value in zip(spec.columns.values(), row, strict=True):
        if value is None:
            out.append("")
        elif column in spec.decimals:
            out.append(f"{value:.{spec.decimals[column]}f}")
        elif isinstance(value, date):
            out.append(value.strftime("%d/%m/%Y"))
        else:
            out.append(str(value))
    return out


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
