"""A release's reporting date, and whether every daily feed delivered up to it.

The reporting date is the date of the newest FI_ITEMS file loaded (publication contract); the gate
judges completeness against it, never against the wall clock. A day counts as delivered when its
file arrived, whether it loaded or was refused (a refused file is reported by its rejection report).
"""

from __future__ import annotations

from datetime import date

import duckdb

LOADED = ("loaded", "loaded_with_quarantine")
DELIVERED = (*LOADED, "quarantined")


def reporting_date(con: duckdb.DuckDBPyConnection, fi_items_table: str) -> date | None:
    """Date of the newest FI_ITEMS file loaded, or None before the first one."""
    return con.execute(
        f"select max(file_date) from ops.file_register where table_name = ? and status in {LOADED}",
        [fi_items_table],
    ).fetchone()[0]


def daily_feed_days(
    con: duckdb.DuckDBPyConnection, daily_tables: list[str], until: date
) -> list[tuple[str, date, str]]:
    """(table, day, status) for every daily feed and day from its first file to `until`.

    status is the latest version's status of that day's file, or `missing`; a feed that never
    delivered a file has one `missing` row dated `until`.
    """
    if not daily_tables:
        return []
    return con.execute(
        """
        with feeds as (select unnest(?::varchar[]) as table_name),
        files as (
            select table_name, file_date, arg_max(status, version) as status
            from ops.file_register
            where table_name in (select table_name from feeds) and file_date <= ?::date
            group by table_name, file_date
        ),
        spans as (
            select feeds.table_name, coalesce(min(files.file_date), ?::date) as first_day
            from feeds left join files using (table_name)
            group by feeds.table_name
        ),
        days as (
            select table_name, unnest(generate_series(first_day, ?::date, interval 1 day))::date as day
            from spans
        )
        select days.table_name, days.day, coalesce(files.status, 'missing')
        from days left join files on files.table_name = days.table_name and files.file_date = days.day
        order by days.table_name, days.day
        """,
        [daily_tables, until, until, until],
    ).fetchall()


def missing_days(days: list[tuple[str, date, str]]) -> list[dict[str, str]]:
    """The (table, day) pairs with no file: what the release reports as absent."""
    return [{"table": table, "day": day.isoformat()} for table, day, status in days if status == "missing"]
