"""The landing sensor: start the nightly job when new complete files sit in the landing zone.

Files that arrive after the 02:00 run are picked up here (design: "later arrivals are picked up
by the landing sensor"). A source system drops several files in a burst, so the sensor waits until
no file has landed for QUIET_SECONDS: one run per delivery, not one per file. The run key is a
digest of the set of files found (path, size, mtime), so the same files never launch two runs, and
a re-sent file (new size or mtime) is new. While a run of the job is queued or in progress the
sensor skips: that run, or the next evaluation after it, takes the files. `*.part` files (still
being written) and hidden files are ignored. The run takes the days of the daily files found, so a
late or corrected file for an old day is loaded by a run of that day alone.
"""

import hashlib
import time

import dagster as dg

from ingestion import FEEDS
from ingestion.zone import landing_files
from orchestration.jobs import nightly_run_request
from orchestration.resources import WarehouseResource

JOB = "nightly_refresh"
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
