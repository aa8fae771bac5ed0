"""The Local Government Transparency Code file `spend_over_500_YYYY-MM.csv`, one per ended month.

Which rows and what they say (redaction of individuals, generic purpose) is decided in dbt
(`bi.transparency_spend_over_500`); this module only lays the rows out as the contract's CSV:
UTF-8 with BOM, comma, quoted where needed, dd/mm/yyyy dates, amounts with two decimals.
"""

from __future__ import annotations

import csv
import filecmp
import os
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from ingestion.layout import Release

TRANSPARENCY_TABLE = "transparency_spend_over_500"
FILE_PATTERN = "spend_over_500_{month}.csv"
# Contract header -> column of bi.transparency_spend_over_500.
COLUMNS = {
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
}
AMOUNTS = {"net_amount", "irrecoverable_vat"}


def write_transparency_files(
    con: duckdb.DuckDBPyConnection, table: str, folder: Path, ended_months: Sequence[date]
) -> list[Path]:
    """One file per ended month (publication.completeness.ended_months: the months dbt says have
    ended, the definition is_complete uses) from the first month with spend; a month with none
    gets the header."""
    first = con.execute(f"select min(transaction_date) from {table}").fetchone()[0]
    if first is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    select = ", ".join(COLUMNS.values())
    written = []
    for month in (m for m in ended_months if m >= first.replace(day=1)):
        rows = con.execute(
            f"select {select} from {table} where transaction_date >= ? and transaction_date < ? "
            "order by transaction_date, transaction_number, expense_type, supplier_id",
            [month, _next_month(month)],
        ).fetchall()
        path = folder / FILE_PATTERN.format(month=month.strftime("%Y-%m"))
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            writer.writerows(_formatted(row) for row in rows)
        written.append(path)
    return written


def publish_transparency_files(release: Path, target: Path) -> list[str]:
    """Copy a release's transparency files to `published/transparency/`, atomically, where new or changed."""
    source = Release(release).open.transparency
    if not source.is_dir():
        return []
    target.mkdir(parents=True, exist_ok=True)
    changed = []
    for path in sorted(source.glob("*.csv")):
        destination = target / path.name
        if destination.exists() and filecmp.cmp(path, destination, shallow=False):
            continue
        tmp = target / f".{path.name}.{os.getpid()}"
        shutil.copyfile(path, tmp)
        os.replace(tmp, destination)
        changed.append(path.name)
    return changed


def _formatted(row: tuple) -> list[str]:
    out = []
    for column, value in zip(COLUMNS.values(), row, strict=True):
        if value is None:
            out.append("")
        elif column in AMOUNTS:
            out.append(f"{value:.2f}")
        elif isinstance(value, date):
            out.append(value.strftime("%d/%m/%Y"))
        else:
            out.append(str(value))
    return out


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
