"""Has each feed delivered what it should by now? Arrival is judged from file names on disk.

A file counts as delivered once it is in landing/, archive/ or quarantine/ (a refused file did
arrive: its problem is reported elsewhere). Deadlines (docs/operations.md):
- daily feeds: the file dated D is due by 06:00 (Europe/London) on D + 1;
- weekly feeds (care payments, Mondays): the Monday file is due by 06:00 on the Tuesday;
- monthly snapshots (dated the 1st): due by the end of the month's 3rd working day;
- monthly statements named by the month they cover (YYYYMM, purchase cards): the previous month's
  file is due by the end of the 5th;
- yearly files (BUDGET, 1 April): due by the end of April's 3rd working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ingestion.contract import FeedSpec
from ingestion.layout import Layout

LONDON = ZoneInfo("Europe/London")
DAILY_DEADLINE = time(6, 0)


@dataclass(frozen=True)
class FeedFreshness:
    table: str
    feed_path: str
    cadence: str
    newest_delivered: date | None
    expected: date  # the newest file date that should have arrived by now
    due_by: datetime  # when the expected file was due

    @property
    def fresh(self) -> bool:
        return self.newest_delivered is not None and self.newest_delivered >= self.expected

    @property
    def days_late(self) -> int:
        if self.fresh:
            return 0
        return max(1, (self.expected - (self.newest_delivered or self.expected)).days)


def working_day(d: date, n: int, holidays: set[date]) -> date:
    """The n-th working day (Mon-Fri, not a bank holiday) of d's month."""
    day = d.replace(day=1)
    count = 0
    while True:
        if day.weekday() < 5 and day not in holidays:
            count += 1
            if count == n:
                return day
        day += timedelta(days=1)


def expected_file(spec: FeedSpec, now: datetime, holidays: set[date]) -> tuple[date, datetime]:
    """The newest file date the feed must have delivered by `now`, and when it was due."""
    local = now.astimezone(LONDON)
    today = local.date()

    def at(day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, LONDON)

    if spec.cadence == "daily":
        expected = today - timedelta(days=1 if local.time() >= DAILY_DEADLINE else 2)
        return expected, at(expected + timedelta(days=1), DAILY_DEADLINE)
    if spec.cadence == "weekly":
        monday = today - timedelta(days=today.weekday())
        if at(monday + timedelta(days=1), DAILY_DEADLINE) > local:
            monday -= timedelta(days=7)
        return monday, at(monday + timedelta(days=1), DAILY_DEADLINE)
    if spec.cadence == "monthly" and spec.date_format == "YYYYMM":
        month = today.replace(day=1)
        if at(month + timedelta(days=5), time(0, 0)) > local:
            month = (month - timedelta(days=1)).replace(day=1)
        covered = (month - timedelta(days=1)).replace(day=1)
        return covered, at(month + timedelta(days=5), time(0, 0))
    if spec.cadence == "monthly":
        first = today.replace(day=1)
        due = at(working_day(first, 3, holidays) + timedelta(days=1), time(0, 0))
        if due > local:
            first = (first - timedelta(days=1)).replace(day=1)
            due = at(working_day(first, 3, holidays) + timedelta(days=1), time(0, 0))
        return first, due
    year = today.year if today >= date(today.year, 4, 1) else today.year - 1
    april = date(year, 4, 1)
    due = at(working_day(april, 3, holidays) + timedelta(days=1), time(0, 0))
    if due > local:
        april = date(year - 1, 4, 1)
        due = at(working_day(april, 3, holidays) + timedelta(days=1), time(0, 0))
    return april, due


def delivered_dates(home: Path, spec: FeedSpec) -> list[date]:
    """File dates of the feed found anywhere it can be: landing, archive or quarantine."""
    dates = []
    for area in Layout(home).areas:
        folder = area / spec.feed_path
        if folder.is_dir():
            dates.extend(d for p in folder.iterdir() if (d := spec.file_date(p.name)) is not None)
    return dates


def feed_freshness(
    home: Path, specs: Iterable[FeedSpec], now: datetime, holidays: set[date]
) -> list[FeedFreshness]:
    result = []
    for spec in specs:
        expected, due_by = expected_file(spec, now, holidays)
        delivered = delivered_dates(home, spec)
        result.append(
            FeedFreshness(
                table=spec.table,
                feed_path=spec.feed_path,
                cadence=spec.cadence,
                newest_delivered=max(delivered, default=None),
                expected=expected,
                due_by=due_by,
            )
        )
    return result
