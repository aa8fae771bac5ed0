"""When runs start: the nightly job, its 02:00 schedule and the landing sensor.

Files that arrive after the 02:00 run are picked up by the landing sensor (design: "later arrivals
are picked up by the landing sensor"). A source system drops several files in a burst, so the
sensor waits until no file has landed for QUIET_SECONDS: one run per delivery, not one per file.
The run key is a digest of the set of files found (path, size, mtime), so the same files never
launch two runs, and a re-sent file (new size or mtime) is new. While a run of the job is queued
or in progress the sensor skips: that run, or the next evaluation after it, takes the files.
`*.part` files (still being written) and hidden files are ignored. A run takes the days of the
daily files found, so a late or corrected file for an old day is loaded by a run of that day alone.
"""

import hashlib
import os
import time

import dagster as dg

from ingestion import FEEDS
from ingestion.zone import landing_files
from orchestration.ingestion import days_to_run, range_tags
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


SCHEDULE_NAME = "nightly_refresh_0200"
NIGHTLY_CRON = "0 2 * * *"
# Overrides the nightly cron when the definitions load (a code location's launch): for a deployment
# that runs at another hour, or a test that sees the schedule fire within a minute (* * * * *).
CRON_VARIABLE = "INSIGHT_HUB_NIGHTLY_CRON"


def nightly_schedule(cron: str = NIGHTLY_CRON) -> dg.ScheduleDefinition:
    """The nightly schedule (London time), at `cron`; the name stays, so its state and history do."""

    @dg.schedule(
        name=SCHEDULE_NAME,
        job=nightly_refresh,
        cron_schedule=cron,
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night at 02:00 London time (unless INSIGHT_HUB_NIGHTLY_CRON says otherwise), "
        "over the days of the daily files waiting in landing.",
    )
    def nightly(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource) -> dg.RunRequest:
        return nightly_run_request(warehouse)

    return nightly


def nightly_schedule_from_env() -> dg.ScheduleDefinition:
    """The nightly schedule at INSIGHT_HUB_NIGHTLY_CRON, or 02:00 when unset (read at load)."""
    cron = os.environ.get(CRON_VARIABLE, "").strip() or NIGHTLY_CRON
    try:
        return nightly_schedule(cron)
    except dg.DagsterInvalidDefinitionError as error:
        raise ValueError(f"{CRON_VARIABLE} must be a cron expression of 5 fields (got {cron!r})") from error


JOB = nightly_refresh.name
QUIET_SECONDS = 300
FEED_PATHS = sorted({spec.feed_path for spec in FEEDS})
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def landed(warehouse: WarehouseResource) -> tuple[list[str], float]:
    """Every complete file in a feed folder of landing/, as `<feed path>/<name>:<size>:<mtime ns>`,
    and the modification time of the newest (0 when there is none)."""
    files, newest = [], 0.0
    for feed_path in FEED_PATHS:
        for path in landing_files(warehouse.home_path, feed_path):
            stat = path.lstat()
            files.append(f"{feed_path}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
            newest = max(newest, stat.st_mtime)
    return sorted(files), newest


@dg.sensor(
    job_name=JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=f"Starts the nightly job when complete files have landed (ignoring *.part) and none for "
    f"{QUIET_SECONDS} s; one run per set of files, never while a run of the job is in progress.",
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    files, newest = landed(warehouse)
    if not files:
        return dg.SkipReason("no files in the landing zone")
    if (quiet := time.time() - newest) < QUIET_SECONDS:
        return dg.SkipReason(
            f"{len(files)} file(s) landed; the last {quiet:.0f} s ago, waiting for the delivery to end"
        )
    running = context.instance.get_runs(filters=dg.RunsFilter(job_name=JOB, statuses=IN_PROGRESS), limit=1)
    if running:
        return dg.SkipReason(
            f"run {running[0].run_id} of {JOB} in progress; {len(files)} file(s) wait for it"
        )
    digest = hashlib.sha256("\n".join(files).encode()).hexdigest()[:20]
    return nightly_run_request(
        warehouse,
        run_key=f"landing-{digest}",
        tags={"insight_hub/trigger": "landing_sensor", "insight_hub/landed_files": str(len(files))},
    )
