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
  calendar quarter ended by the reporting date (docs/statutory.md);
- `spend_over_500_YYYY-QN.csv`: the spend rows of each ended calendar quarter, the union of its three
  monthly files (docs/statutory.md);
- `purchase_cards_YYYY-QN.csv`: the card transactions of each quarter whose three monthly statements
  are loaded (docs/statutory.md);
- `senior_salaries_`, `pay_multiple_`, `organisation_chart_` and `gender_pay_gap_YYYY-03-31.csv`:
  one per 31 March snapshot dbt publishes (docs/statutory.md).
"""

from __future__ import annotations

import csv
import dataclasses
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


def _quarter(month: date) -> tuple[date, frozenset[date], str]:
    """The calendar quarter of a month: its first month, its three months, and `YYYY-QN`."""
    first = date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    months = frozenset({first, _next_month(first), _next_month(_next_month(first))})
    return first, months, f"{first.year}-Q{(first.month + 2) // 3}"


def _spend_quarter_slices(
    con: duckdb.DuckDBPyConnection, table: str, ended_months: Sequence[date]
) -> list[Slice]:
    """One file per ended calendar quarter starting on or after the first month with spend: the rows
    of its three monthly files, so a quarter's file is theirs put together."""
    first = con.execute(f"select min(transaction_date) from {table}").fetchone()[0]
    if first is None:
        return []
    quarters = sorted({_quarter(month) for month in ended_months if month >= first.replace(day=1)})
    return [
        (
            f"spend_over_500_{name}.csv",
            "transaction_date >= ? and transaction_date < ?",
            [start, _next_month(max(months))],
        )
        for start, months, name in quarters
        if start >= first.replace(day=1) and months <= set(ended_months)
    ]


def _card_quarter_slices(
    con: duckdb.DuckDBPyConnection, table: str, ended_months: Sequence[date]
) -> list[Slice]:
    """One file per calendar quarter whose three monthly card statements are loaded (a statement
    arrives on the 5th after its month, so an ended month alone does not make its quarter whole)."""
    months = {row[0] for row in con.execute(f"select distinct statement_month from {table}").fetchall()}
    return [
        (f"purchase_cards_{name}.csv", "statement_quarter = ?", [start])
        for start, quarter_months, name in sorted({_quarter(month) for month in months})
        if quarter_months <= months
    ]


def _snapshot_slices(prefix: str) -> Callable[[duckdb.DuckDBPyConnection, str, Sequence[date]], list[Slice]]:
    """One file per snapshot date the table holds (dbt publishes only ended 31 March snapshots)."""

    def slices(con: duckdb.DuckDBPyConnection, table: str, ended_months: Sequence[date]) -> list[Slice]:
        days = con.execute(f"select distinct snapshot_date from {table} order by 1").fetchall()
        return [(f"{prefix}_{day:%Y-%m-%d}.csv", "snapshot_date = ?", [day]) for (day,) in days]

    return slices


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
# The contract names the notice's columns; the header repeats them, then the table's completeness
# columns, so that a period published incomplete never reads as whole in the file (is_complete Y/N).
# The mean days to pay has two decimals, the shares (0 to 1) four (docs/statutory.md).
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
            "unknown_invoices_paid",
            "missing_source_days",
            "is_complete",
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
# The spend over 500 rows also as quarterly files (issue 20), from the same table and layout.
SPEND_OVER_500_QUARTERLY = dataclasses.replace(SPEND_OVER_500, slices=_spend_quarter_slices)
PURCHASE_CARDS = TransparencyFile(
    table="transparency_purchase_cards",
    columns={
        "Transaction date": "transaction_date",
        "Department": "department",
        "Beneficiary": "beneficiary",
        "Amount": "amount",
        "Irrecoverable VAT": "irrecoverable_vat",
        "Purpose": "purpose",
        "Merchant category": "merchant_category",
    },
    decimals={"amount": 2, "irrecoverable_vat": 2},
    order_by="transaction_date, transaction_id",
    slices=_card_quarter_slices,
)
# The annual pay outputs (contracts/kpis.md, Statutory outputs): the code's headers, salaries and
# money with two decimals, FTE two, the pay multiple two, gaps and shares (0 to 1) four.
SENIOR_SALARIES = TransparencyFile(
    table="senior_salaries",
    columns={
        "Job title": "job_title",
        "Directorate": "directorate",
        "Salary band": "salary_band",
        "FTE": "fte",
        "Name": "name",
        "Reports to": "reports_to",
        "Vacant": "vacant",
    },
    decimals={"fte": 2},
    order_by="cast(split_part(salary_band, '-', 1) as integer) desc, job_title, position_id",
    slices=_snapshot_slices("senior_salaries"),
)
PAY_MULTIPLE = TransparencyFile(
    table="pay_multiple",
    columns={
        "Financial year": "financial_year",
        "Date": "snapshot_date",
        "Highest salary": "highest_salary_gbp",
        "Median salary": "median_salary_gbp",
        "Pay multiple": "pay_multiple",
    },
    decimals={"highest_salary_gbp": 2, "median_salary_gbp": 2, "pay_multiple": 2},
    order_by="snapshot_date",
    slices=_snapshot_slices("pay_multiple"),
)
ORGANISATION_CHART = TransparencyFile(
    table="organisation_chart",
    columns={
        "Position": "position",
        "Job title": "job_title",
        "Reports to": "reports_to",
        "Directorate": "directorate",
        "Salary band": "salary_band",
        "Vacant": "vacant",
    },
    decimals={},
    order_by="reports_to nulls first, job_title, position",
    slices=_snapshot_slices("organisation_chart"),
)
_GAP_FIGURES = (
    "mean_gap",
    "median_gap",
    *(
        f"pct_{who}_{q}_quartile"
        for q in ("lower", "lower_middle", "upper_middle", "upper")
        for who in ("men", "women")
    ),
    "bonus_mean_gap",
    "bonus_median_gap",
    "pct_men_bonus",
    "pct_women_bonus",
)
GENDER_PAY_GAP = TransparencyFile(
    table="gender_pay_gap",
    columns={
        name: name
        for name in (
            "snapshot_date",
            "men",
            "men_suppressed",
            "women",
            "women_suppressed",
            "gender_not_recorded",
            "gender_not_recorded_suppressed",
            "figures_suppressed",
            *_GAP_FIGURES,
            "bonus_statement",
        )
    },
    decimals=dict.fromkeys(_GAP_FIGURES, 4),
    order_by="snapshot_date",
    slices=_snapshot_slices("gender_pay_gap"),
)
TRANSPARENCY_FILES = (
    SPEND_OVER_500,
    PAYMENTS_COMPLIANCE_NOTICE,
    CONTRACTS_OVER_5000,
    SPEND_OVER_500_QUARTERLY,
    PURCHASE_CARDS,
    SENIOR_SALARIES,
    PAY_MULTIPLE,
    ORGANISATION_CHART,
    GENDER_PAY_GAP,
)


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
        elif isinstance(value, bool):  # a withheld-cell flag
            out.append("Y" if value else "N")
        elif column in spec.decimals:
            out.append(f"{value:.{spec.decimals[column]}f}")
        elif isinstance(value, date):
            out.append(value.strftime("%d/%m/%Y"))
        else:
            out.append(str(value))
    return out


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
