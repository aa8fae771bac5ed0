"""The nightly job and its 02:00 schedule."""

import dagster as dg

from orchestration.partitions import days_to_run, range_tags
from orchestration.resources import WarehouseResource

nightly_refresh = dg.define_asset_job(
    "nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest what has landed, build the warehouse, gate it, publish a release. The daily "
    "feeds are partitioned by day: a run takes a range of days, and a backfill of one day from the "
    "UI loads that day's late or corrected files and rebuilds everything downstream.",
)


def nightly_run_request(
    warehouse: WarehouseResource, run_key: str | None = None, tags: dict[str, str] | None = None
) -> dg.RunRequest:
    """One run of the nightly job over the days of the daily files waiting in landing."""
    return dg.RunRequest(
        run_key=run_key, tags={**(tags or {}), **range_tags(days_to_run(warehouse.home_path))}
    )


@dg.schedule(
    name="nightly_refresh_0200",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 London time, over the days of the daily files waiting in landing.",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource) -> dg.RunRequest:
    return nightly_run_request(warehouse)
