"""The nightly schedule and the landing sensor, evaluated as the daemon would, on a small landing zone.

Both ask for one run of the nightly job over the days of the daily files waiting in landing.
"""

import os
import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from private_home import definitions

from orchestration.ingestion import FEED_DAYS, RANGE_END_TAG, RANGE_START_TAG, day_window, days_to_run
from orchestration.operations.schedule import (
    CRON_VARIABLE,
    JOB,
    QUIET_SECONDS,
    SCHEDULE_NAME,
    landing_sensor,
    nightly_schedule_from_env,
)
from orchestration.resources import WarehouseResource

HOUR_AGO = time.time() - 3600


def land(home: Path, relative: str, mtime: float = HOUR_AGO, area: str = "landing") -> Path:
    path = home / area / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    os.utime(path, (mtime, mtime))
    return path


def resources(home: Path) -> dict:
    return {"warehouse": WarehouseResource(home=str(home))}


def days(request: dg.RunRequest) -> tuple[str, str]:
    return request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def test_the_schedule_runs_at_two_in_the_morning_london_time_over_the_days_waiting(tmp_path: Path):
    schedule = definitions().resolve_schedule_def("nightly_refresh_0200")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Europe/London")
    assert schedule.job_name == "nightly_refresh"
    land(tmp_path, "ibc/finance/FI_ITEMS_20250405.txt")
    land(tmp_path, "ibc/finance/FI_ITEMS_20250407.txt")
    land(tmp_path, "csc/crm/contacts_20250403.csv")
    land(tmp_path, "ibc/hr/PA0001_20250301.txt")  # a monthly snapshot: not a daily partition
    at_two = datetime(2025, 4, 8, 2, 0, tzinfo=ZoneInfo("Europe/London"))
    context = dg.build_schedule_context(scheduled_execution_time=at_two, resources=resources(tmp_path))
    [request] = schedule.evaluate_tick(context).run_requests
    assert days(request) == ("2025-04-03", "2025-04-07")


def test_the_nightly_cron_is_read_when_the_definitions_load_and_a_bad_one_refused(monkeypatch):
    monkeypatch.delenv(CRON_VARIABLE, raising=False)
    assert nightly_schedule_from_env().cron_schedule == "0 2 * * *"
    monkeypatch.setenv(CRON_VARIABLE, "30 3 * * 1-5")
    schedule = nightly_schedule_from_env()
    assert (schedule.name, schedule.cron_schedule, schedule.execution_timezone) == (
        SCHEDULE_NAME,
        "30 3 * * 1-5",
        "Europe/London",
    )
    monkeypatch.setenv(CRON_VARIABLE, "at two")
    refused = f"{CRON_VARIABLE} must be a cron expression of 5 fields (got 'at two')"
    with pytest.raises(ValueError, match=re.escape(refused)):
        nightly_schedule_from_env()


def test_with_nothing_waiting_the_run_repeats_the_newest_archived_day_then_the_newest_partition(
    tmp_path: Path,
):
    land(tmp_path, "ibc/finance/FI_ITEMS_20250405.txt", area="archive")
    land(tmp_path, "web/forms/eforms_20250406.jsonl", area="archive")
    newest = days_to_run(tmp_path)
    assert (newest.start, newest.end) == ("2025-04-06", "2025-04-06")
    empty = days_to_run(tmp_path / "new-home")
    assert empty.start == empty.end == FEED_DAYS.get_last_partition_key()


def test_the_first_and_last_partitions_are_open_ended_so_no_file_falls_outside_every_run(tmp_path: Path):
    land(tmp_path, "ibc/finance/FI_ITEMS_20190105.txt")  # before the first partition
    land(tmp_path, "ibc/finance/FI_ITEMS_20990101.txt")  # after the last
    span = days_to_run(tmp_path)
    first, last = FEED_DAYS.get_first_partition_key(), FEED_DAYS.get_last_partition_key()
    assert (span.start, span.end) == (first, last)
    assert day_window(span) == (None, None)
    assert day_window(dg.PartitionKeyRange("2025-04-05", "2025-04-05")) == (
        datetime(2025, 4, 5).date(),
        datetime(2025, 4, 5).date(),
    )
    assert day_window(dg.PartitionKeyRange(first, "2025-04-05"))[0] is None


def test_the_sensor_waits_for_a_quiet_landing_zone_then_asks_for_one_run_of_those_days(
    instance, tmp_path: Path
):
    def evaluate():
        return landing_sensor(dg.build_sensor_context(instance=instance, resources=resources(tmp_path)))

    assert "no files" in evaluate().skip_message
    land(tmp_path, "csc/telephony/cdr_20250409.jsonl.part")  # still being written
    assert "no files" in evaluate().skip_message
    just_now = land(tmp_path, "csc/telephony/cdr_20250410.jsonl", mtime=time.time())
    assert "waiting for the delivery to end" in evaluate().skip_message
    quiet = time.time() - QUIET_SECONDS - 5
    os.utime(just_now, (quiet, quiet))
    land(tmp_path, "csc/telephony/cdr_20250402.jsonl", mtime=quiet)  # a late file of an earlier day
    request = evaluate()
    assert isinstance(request, dg.RunRequest)
    assert days(request) == ("2025-04-02", "2025-04-10")
    assert request.tags["insight_hub/landed_files"] == "2"
    assert evaluate().run_key == request.run_key  # the same files never launch two runs
    land(tmp_path, "csc/telephony/cdr_20250402.jsonl", mtime=quiet - 60)  # re-sent: new mtime
    assert evaluate().run_key != request.run_key


def test_the_sensor_never_starts_a_second_run_while_one_is_in_progress(instance, tmp_path: Path):
    land(tmp_path, "web/forms/eforms_20250410.jsonl")
    running = instance.add_run(
        dg.DagsterRun(job_name=JOB, run_id="nightly-in-progress", status=dg.DagsterRunStatus.STARTED)
    )
    skip = landing_sensor(dg.build_sensor_context(instance=instance, resources=resources(tmp_path)))
    assert isinstance(skip, dg.SkipReason) and running.run_id in skip.skip_message
