"""`insight-hub ui` serves the Dagster UI on 127.0.0.1 once its code location has loaded, and the
nightly job launched through its GraphQL API (as the UI's Launchpad does, over the days waiting in
landing) runs to success. First starts on fresh data roots reach a loaded location even while
another process keeps every core busy; a location that fails to load makes the command fail
with the load error; SIGTERM stops every process it started."""

import os
import subprocess
import time

import pytest
from ui_starts import (
    CLI,
    LAUNCH,
    LOCATIONS,
    STATUS,
    cpu_load,
    first_start,
    graphql,
    start_ui,
    stop_ui,
    wait_until_ready,
)

from orchestration.ingestion import days_to_run, range_tags

pytestmark = pytest.mark.slow


def test_ui_answers_and_runs_the_nightly_job(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home)}
    subprocess.run(
        [*CLI, "simulate", "--scale", "0.01", "--days", "35", "--defects", "0"], env=env, check=True
    )
    ui, port, log = start_ui(home)
    try:
        assert wait_until_ready(ui, log), log.read_text()[-3000:]
        entries = graphql(port, LOCATIONS)["workspaceOrError"]["locationEntries"]
        (location,) = [e["name"] for e in entries if e["loadStatus"] == "LOADED"]

        # The daily feeds' days, as the Launchpad sends them when a range of partitions is chosen.
        days = [{"key": k, "value": v} for k, v in range_tags(days_to_run(home)).items()]
        # Launching builds the execution plan of ~300 steps in the code server: slow on a busy machine.
        launched = graphql(port, LAUNCH, {"location": location, "tags": days}, timeout=180)["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        status = None
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and status not in ("SUCCESS", "FAILURE", "CANCELED"):
            time.sleep(3)
            status = graphql(port, STATUS, {"id": run_id})["runOrError"]["status"]
        assert status == "SUCCESS"
        assert (home / "published" / "current" / "manifest.json").exists()
    finally:
        stopped = stop_ui(ui)
    assert stopped == (0, []), log.read_text()[-3000:]  # SIGTERM stopped everything it started


def test_first_starts_on_fresh_homes_under_cpu_load_reach_the_nightly_job(tmp_path):
    with cpu_load():
        starts = [first_start(tmp_path / f"home{i}") for i in range(3)]
    for seen in starts:
        assert seen["ready_s"] is not None, seen["output"][-3000:]
        assert set(seen["locations"].values()) == {"LOADED"} and seen["nightly_job"], seen
        assert "has more than one head" not in seen["output"]
        assert seen["exit_code"] == 0 and seen["left_running"] == [], seen["output"][-3000:]


def test_a_code_location_that_fails_to_load_makes_ui_exit_non_zero_with_the_error(tmp_path):
    # A setting read when the definitions load (alert settings are read at each evaluation instead).
    seen = first_start(tmp_path / "home", env={"INSIGHT_HUB_NIGHTLY_CRON": "not-a-cron"})
    assert seen["ready_s"] is None
    assert seen["exit_code"] == 1
    assert "ui: not ready: code location orchestration.definitions failed to load" in seen["output"]
    refused = "INSIGHT_HUB_NIGHTLY_CRON must be a cron expression of 5 fields (got 'not-a-cron')"
    assert refused in seen["output"]
