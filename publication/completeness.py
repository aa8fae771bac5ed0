"""A release's reporting date, and whether every daily feed delivered up to it.

The reporting date has one definition, in dbt (`intermediate.int_reporting_date`: the date of the
newest FI_ITEMS file loaded), and so has a month having ended (`intermediate.int_reporting_months`,
has_ended: its last day on or before the reporting date); the release, the gate and the
transparency files read them from the warehouse, so they judge exactly the window the published
tables were built for, never the wall clock. A day counts as delivered when its file arrived,
whether it loaded or was refused (a refused file is reported by its rejection report); the KPI
marts' own completeness columns count loaded days instead (dbt: int_kpi_completeness).
"""

from __future__ import annotations

from datetime import date

import duckdb

from ingestion import register

REPORTING_DATE_TABLE = "intermediate.int_reporting_date"
REPORTING_MONTHS_TABLE = "intermediate.int_reporting_months"


class ReportingDateUnavailable(RuntimeError):
    """The warehouse has no reporting date table: dbt has not built it yet."""


def reporting_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The reporting date dbt built the tables for, or None before the first file is loaded."""
    try:
        row = con.execute(f"select reporting_date from {REPORTING_DATE_TABLE}").fetchone()
    except duckdb.CatalogException:
        raise ReportingDateUnavailable(
            f"{REPORTING_DATE_TABLE} does not exist in this warehouse: the reporting date is defined "
            "by dbt, so build the dbt models first (insight-hub refresh, or dbt build)"
        ) from None
    return row[0] if row else None


def ended_months(con: duckdb.DuckDBPyConnection) -> tuple[date, ...]:
    """First days of the reporting months that have ended (dbt's has_ended, the one definition
    that is_complete uses too), oldest first; empty before the first file is loaded."""
    try:
        rows = con.execute(
            f"select month from {REPORTING_MONTHS_TABLE} where has_ended order by month"
        ).fetchall()
    except duckdb.CatalogException:
        raise ReportingDateUnavailable(
            f"{REPORTING_MONTHS_TABLE} does not exist in this warehouse: the reporting months are "
            "defined by dbt, so build the dbt models first (insight-hub refresh, or dbt build)"
        ) from None
    return tuple(month for (month,) in rows)


def daily_feed_days(
    con: duckdb.DuckDBPyConnection, daily_tables: list[str], until: date
) -> list[tuple[str, date, str]]:
    """(table, day, status) for every daily feed and day from its first file to `until`.

    status is the latest version's status of that day's file, or `missing`; a feed that never
    delivered a file has one `missing` row dated `until`.
    """
    return register.file_days(con, daily_tables, until)


def missing_days(days: list[tuple[str, date, str]]) -> list[dict[str, str]]:
    """The (table, day) pairs with no file: what the release reports as absent."""
    return [{"table": table, "day": day.isoformat()} for table, day, status in days if status == "missing"]
