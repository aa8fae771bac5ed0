"""A release's reporting date, and whether every daily feed delivered up to it.

The reporting date is the date of the newest FI_ITEMS file loaded (publication contract); the gate
judges completeness against it, never against the wall clock. A day counts as delivered when its
file arrived, whether it loaded or was refused (a refused file is reported by its rejection report).
"""

from __future__ import annotations

from datetime import date

import duckdb

from ingestion import register


def reporting_date(con: duckdb.DuckDBPyConnection, fi_items_table: str) -> date | None:
    """Date of the newest FI_ITEMS file loaded, or None before the first one."""
    return register.newest_loaded_date(con, fi_items_table)


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
