"""One in-process run at a time per home, and a run whose process died never blocks the next one."""

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.operations.run_lock import (
    IN_PROCESS_TAG,
    RunLockHeld,
    in_process_tags,
    other_runs_in_progress,
    release_dead_runs,
    release_dead_runs_sensor,
    run_lock,
)
from orchestration.operations.schedule import JOB, landing_sensor
from orchestration.resources import WarehouseResource

HOLD_LOCK = """
import sys, time
from pathlib import Path
from orchestration.operations.run_lock import run_lock
with run_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""


def dead_tag() -> str:
    """The in-process tag of a run whose process (on this host) has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    host = in_process_tags()[IN_PROCESS_TAG].rpartition(":")[0]
    return f"{host}:{process.pid}"


def test_a_second_holder_is_refused_and_told_who_holds_the_lock(tmp_path: Path):
    held = pytest.raises(RunLockHeld, match=r"pid \d+ on .* holds .*\.run\.lock")
    with run_lock(tmp_path), held, run_lock(tmp_path):  # the second lock raises
        pass
    with run_lock(tmp_path):  # released on exit
        pass


def test_the_lock_of_a_killed_holder_is_released_by_its_death(tmp_path: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLockHeld, match=f"pid {holder.pid} "), run_lock(tmp_path):
            pass
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs
        holder.wait()
    with run_lock(tmp_path):
        pass


def _started_run(instance: dg.DagsterInstance, run_id: str, tags: dict[str, str]) -> dg.DagsterRun:
    run = instance.add_run(
        dg.DagsterRun(job_name=JOB, run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags=tags)
    )
    instance.event_log_storage.initialize_concurrency_limit_to_default("duckdb_writers")
    return run


def _slot_holders(instance: dg.DagsterInstance) -> set[str]:
    return instance.event_log_storage.get_concurrency_run_ids()


def test_a_dead_in_process_run_is_marked_failed_and_its_pool_slot_freed(instance):
    dead = _started_run(instance, "dead-run", {IN_PROCESS_TAG: dead_tag()})
    alive = _started_run(instance, "live-run", in_process_tags())
    daemon = _started_run(instance, "daemon-run", {})
    claim = instance.event_log_storage.claim_concurrency_slot(
        "duckdb_writers", dead.run_id, "raw__ibc_fi_items"
    )
    assert claim.is_claimed and _slot_holders(instance) == {"dead-run"}

    assert release_dead_runs(instance, lock_held=False) == ["dead-run"]  # the daemon's view: pid gone
    assert instance.get_run_by_id("dead-run").status == dg.DagsterRunStatus.FAILURE
    assert _slot_holders(instance) == set()
    failure = instance.all_logs("dead-run", of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "died before it finished" in failure[0].dagster_event.message
    assert instance.get_run_by_id("live-run").status == dg.DagsterRunStatus.STARTED

    # Under the home's lock no other in-process run of this host can be alive; a daemon-launched run
    # and a run of another host (shared run storage) are never touched.
    elsewhere = _started_run(instance, "other-host-run", {IN_PROCESS_TAG: "another-host:1"})
    assert release_dead_runs(instance, lock_held=True) == [alive.run_id]
    assert instance.get_run_by_id(elsewhere.run_id).status == dg.DagsterRunStatus.STARTED
    assert [r.run_id for r in other_runs_in_progress(instance)] == [
        daemon.run_id
    ]  # the other host's is in-process
    assert instance.get_run_by_id("daemon-run").status == dg.DagsterRunStatus.STARTED


def test_the_daemon_sensor_releases_dead_runs_then_the_landing_sensor_may_start_one(instance, tmp_path: Path):
    landed = tmp_path / "landing" / "ibc" / "hr" / "PA0000_20250401.txt"
    landed.parent.mkdir(parents=True)
    landed.write_text("PERNR|BEGDA|MASSN|MASSG|AEDTM\r\nTRL|0|0\r\n")
    an_hour_ago = time.time() - 3600
    os.utime(landed, (an_hour_ago, an_hour_ago))
    _started_run(instance, "killed-refresh", {IN_PROCESS_TAG: dead_tag()})

    def landing() -> dg.RunRequest | dg.SkipReason:
        context = dg.build_sensor_context(
            instance=instance, resources={"warehouse": WarehouseResource(home=str(tmp_path))}
        )
        return landing_sensor(context)

    assert isinstance(landing(), dg.SkipReason)  # the dead run looks in progress
    released = release_dead_runs_sensor(dg.build_sensor_context(instance=instance))
    assert "killed-refresh" in released.skip_message
    assert isinstance(landing(), dg.RunRequest)
