"""Daily partitions of the daily feeds, and which days a nightly or landing-sensor run takes.

A partition of `raw/<daily feed>` is a business day: the day in the file's name. Materialising it
means that the feed's deliveries dated that day have been judged (loaded, or refused with a
report). A run takes one range of days (single-run backfill policy): the nightly run and the
landing sensor take the days of the files waiting in landing, so a late or corrected file for an
old day is loaded by a run of that day alone; an engineer backfills a day from the UI the same way
(docs/operations.md). The first and the last partition are open-ended: a run that reaches them also
takes files dated before the first or after the last, so no file ever falls outside every run.
Weekly, monthly and yearly feeds and everything downstream are not partitioned: they are rebuilt
whole each run.
"""

from datetime import date
from pathlib import Path

import dagster as dg

from ingestion import FEEDS, FeedSpec
from ingestion.layout import Layout
from ingestion.zone import ALL_DAYS, DayWindow, pending_files

# The council's warehouse history starts with the 2020/21 financial year.
FEED_DAYS = dg.DailyPartitionsDefinition(start_date="2020-04-01", timezone="Europe/London", end_offset=1)
DAILY_FEEDS = [spec for spec in FEEDS if spec.cadence == "daily"]

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def _key(day: date) -> str:
    return day.isoformat()


def day_window(partition_range: dg.PartitionKeyRange) -> DayWindow:
    """The days of the files a run over `partition_range` takes (open at the partitions' bounds)."""
    first = FEED_DAYS.get_first_partition_key()
    last = FEED_DAYS.get_last_partition_key()
    return (
        None if partition_range.start <= first else date.fromisoformat(partition_range.start),
        None if partition_range.end >= last else date.fromisoformat(partition_range.end),
    )


def _archived_days(home: Path, spec: FeedSpec) -> list[date]:
    folder = Layout(home).archive / spec.feed_path
    if not folder.is_dir():
        return []
    return [day for path in folder.iterdir() if (day := spec.file_date(path.name))]


def days_to_run(home: Path) -> dg.PartitionKeyRange:
    """The range of days a nightly or sensor run takes.

    The days of the daily files waiting in landing; with none waiting, the newest day already
    archived (its rerun loads nothing new, and restores the feeds from archive/ if the warehouse
    was lost); with nothing delivered yet, the newest partition. Days beyond the partitions'
    bounds count as the bound (the bounds are open-ended).
    """
    first = date.fromisoformat(FEED_DAYS.get_first_partition_key())
    last = date.fromisoformat(FEED_DAYS.get_last_partition_key())
    days = [spec.file_date(path.name) for spec in DAILY_FEEDS for path in pending_files(home, spec, ALL_DAYS)]
    if not days:
        newest = max((day for spec in DAILY_FEEDS for day in _archived_days(home, spec)), default=None)
        days = [newest or last]
    clamp = [min(max(day, first), last) for day in days]
    return dg.PartitionKeyRange(_key(min(clamp)), _key(max(clamp)))


def range_tags(partition_range: dg.PartitionKeyRange) -> dict[str, str]:
    """Run tags asking for one run over `partition_range` (how Dagster marks a single-run backfill)."""
    return {RANGE_START_TAG: partition_range.start, RANGE_END_TAG: partition_range.end}
