"""`insight-hub refresh` killed with SIGKILL in each stage, two refreshes at once, a BI reader during
publish, and a refresh that rebuilds a deleted warehouse, all on one tiny simulated county.

Two homes share the world's landing files. The baseline home is refreshed without interruption (the
release to match: the shared small county of shared_world.py); a refresh is then killed while it
builds a release (with a BI reader holding the published file), warehouse.duckdb is deleted and a
refresh rebuilds it from archive/. The crash home is refreshed and killed in ingestion (while a
second refresh and the landing sensor try to start), then in identity resolution, then in dbt, then
refreshed to the end. After each kill: every delivered file is in exactly one place and `current` is
absent or a complete, verified release; at the end: nothing left behind, and the same release as the
baseline's.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from cli_runs import (
    SECRETS,
    Command,
    Watch,
    current_is_complete,
    delivered,
    instance,
    release_content,
    run,
    unfinished_runs,
    wait_until,
    where_files_are,
)
from home_scan import personal_data_found, secrets_found, without_dates
from personal_data import collect

from ingestion.contract import EARLIEST, HR_EARLIEST, LATEST
from orchestration.operations.run_lock import release_dead_runs_sensor
from orchestration.operations.schedule import landing_sensor
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.slow

AN_HOUR = 3600 * 10**9
# Where each kill strikes, as observed in the run's event storage: (stage, ready, then wait seconds).
KILL_POINTS = [
    ("ingestion", lambda watch: watch.step_started("raw__ibc_fi_items"), 0.0),
    ("identity resolution", lambda watch: watch.step_started("customer_resolution"), 1.5),
    ("dbt", lambda watch: watch.materialised("dbt_models") >= 10, 0.0),
]


@pytest.fixture(scope="module")
def pristine(refreshed_world) -> Path:
    """The world's landing files, delivered an hour ago (in their order): the sensor's quiet time is over."""
    return refreshed_world.pristine


def fresh_home(pristine: Path, tmp_path_factory, name: str) -> Path:
    home = tmp_path_factory.mktemp(name) / "home"
    shutil.copytree(pristine / "landing", home / "landing")  # modification times kept
    shutil.copytree(pristine / "simulator_truth", home / "simulator_truth")
    return home


def refresh_to_the_end(home: Path) -> tuple[int, str]:
    return run(home, "refresh", "--quiet")


@pytest.fixture(scope="module")
def baseline(refreshed_world) -> tuple[Path, str, dict]:
    """The shared county's home, refreshed to the end from the pristine landing files (shared_world.py)."""
    home = refreshed_world.checkout()
    release = current_is_complete(home)
    return home, release, release_content(home / "published" / "releases" / release)


@pytest.fixture(scope="module")
def crashed(pristine, tmp_path_factory) -> tuple[Path, dict]:
    """The crash home after a kill in each stage and a last refresh, with what was seen on the way.

    During the last refresh (past ingestion), a file lands, the daemon's sensors are evaluated and a
    second refresh is started: they must leave the running one alone."""
    home = fresh_home(pristine, tmp_path_factory, "crashed")
    expected = delivered(pristine / "landing")
    seen: dict = {"misplaced": [], "outputs": []}
    with instance(home) as inst:
        for stage, ready, settle in KILL_POINTS:
            watch = Watch(inst)
            command = Command(home, "refresh", "--quiet")
            wait_until(command, lambda: ready(watch), f"the {stage} stage")  # noqa: B023 (called at once)
            time.sleep(settle)
            command.kill()
            seen["outputs"].append(command.output)
            if where_files_are(home) != expected:
                seen["misplaced"].append(stage)
            seen[f"current after the kill in {stage}"] = current_is_complete(home)
        watch = Watch(inst)
        last = Command(home, "refresh", "--quiet")
        wait_until(last, lambda: watch.step_started("dbt_models"), "the dbt stage")
        landed = home / "landing" / "ibc" / "hr" / "notes.txt"
        landed.write_text("arrived during the run")
        os.utime(landed, ns=(time.time_ns() - AN_HOUR, time.time_ns() - AN_HOUR))
        context = dg.build_sensor_context(
            instance=inst, resources={"warehouse": WarehouseResource(home=str(home))}
        )
        seen["landing_sensor"] = landing_sensor(context)
        seen["dead_runs_sensor"] = release_dead_runs_sensor(dg.build_sensor_context(instance=inst))
        seen["second_refresh"] = run(home, "refresh", "--quiet")
        seen["final"] = (last.wait(), last.output)
        seen["outputs"].append(seen["final"][1])
        seen["left in landing"] = [p.name for p in (home / "landing").rglob("*") if p.is_file()]
        landed.unlink()  # the next run's file, not part of the world
        seen["unfinished"] = unfinished_runs(inst)
        seen["pool slots"] = inst.event_log_storage.get_concurrency_run_ids()
        seen["files"] = where_files_are(home) == expected
    return home, seen


@pytest.fixture(scope="module")
def republished(baseline) -> tuple[Path, dict]:
    """The baseline home after a refresh killed while building a release (a BI reader holding the
    published file throughout), then a refresh with warehouse.duckdb deleted."""
    home, first, _ = baseline
    seen: dict = {}
    reader = duckdb.connect(str(home / "published" / "current" / "insight_hub.duckdb"), read_only=True)
    question = "select count(*), sum(amount_gbp) from bi.fct_spend"
    seen["reader before"] = reader.execute(question).fetchone()
    with instance(home) as inst:
        command = Command(home, "refresh", "--quiet")
        building = home / "published" / "releases"
        wait_until(command, lambda: any(building.glob(".*.building")), "a release being built")
        command.kill()
        seen["current after the kill in publish"] = current_is_complete(home)
        seen["reader during"] = reader.execute(question).fetchone()
        (home / "warehouse.duckdb").unlink()
        seen["rebuild"] = refresh_to_the_end(home)
        seen["reader after"] = reader.execute(question).fetchone()
        seen["unfinished"] = unfinished_runs(inst)
        seen["pool slots"] = inst.event_log_storage.get_concurrency_run_ids()
    reader.close()
    seen["first release"] = first
    return home, seen


def test_a_refresh_killed_in_ingestion_identity_and_dbt_then_rerun_publishes_the_baseline_release(
    baseline, crashed
):
    _, _, expected = baseline
    home, seen = crashed
    code, output = seen["final"]
    assert code == 0 and "published release" in output, output
    assert release_content(home / "published" / "current") == expected


def test_after_every_kill_each_delivered_file_is_in_exactly_one_place_and_current_is_complete(crashed):
    _, seen = crashed
    assert seen["misplaced"] == [] and seen["files"]
    # No release was published before the last refresh: `current` never pointed at a partial one.
    assert [seen[f"current after the kill in {stage}"] for stage, _, _ in KILL_POINTS] == [None] * 3


def test_a_killed_run_never_blocks_the_next_one(crashed):
    _, seen = crashed
    released = [line for output in seen["outputs"] for line in output.splitlines() if "marked failed" in line]
    assert len(released) == len(KILL_POINTS)  # each killed run released by the next refresh
    assert seen["unfinished"] == [] and seen["pool slots"] == set()


def test_a_second_refresh_refuses_while_one_runs_and_a_file_landing_meanwhile_waits(crashed):
    _, seen = crashed
    code, output = seen["second_refresh"]
    assert code == 3 and "not started: a run of this home is in progress" in output
    assert seen["left in landing"] == ["notes.txt"]  # for the next run


def test_the_sensors_leave_a_running_refresh_alone(crashed):
    _, seen = crashed
    skip = seen["landing_sensor"]
    assert isinstance(skip, dg.SkipReason) and "in progress" in skip.skip_message
    assert "no in-process run left unfinished" in seen["dead_runs_sensor"].skip_message


def test_a_refresh_killed_while_publishing_leaves_current_on_the_last_good_release(republished):
    _, seen = republished
    assert seen["current after the kill in publish"] == seen["first release"]


def test_a_bi_reader_holding_the_release_reads_on_undisturbed(republished):
    _, seen = republished
    assert seen["reader before"] == seen["reader during"] == seen["reader after"]
    assert seen["reader before"][0] > 0


def test_a_deleted_warehouse_is_rebuilt_from_archive_and_publishes_the_same_marts(baseline, republished):
    _, _, expected = baseline
    home, seen = republished
    code, output = seen["rebuild"]
    assert code == 0 and "published release" in output, output
    release = current_is_complete(home)
    assert release != seen["first release"]
    assert release_content(home / "published" / "releases" / release) == expected
    assert seen["unfinished"] == [] and seen["pool slots"] == set()


@pytest.mark.parametrize("which", ["crashed", "republished"])
def test_nothing_is_left_behind(which, request):
    home, _ = request.getfixturevalue(which)
    leftovers = [
        p.relative_to(home).as_posix()
        for p in home.rglob("*")
        if p.name.endswith((".part", ".building", ".wal", ".utf8")) or p.name.startswith(".current.")
    ]
    assert leftovers == []
    assert [p for p in (home / "landing").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("which", ["crashed", "republished"])
def test_no_secret_in_any_file_log_event_storage_manifest_or_output(which, request):
    home, _ = request.getfixturevalue(which)
    assert secrets_found([home, home.parent / "outputs"], SECRETS) == []


@pytest.mark.parametrize("which", ["crashed", "republished"])
def test_no_personal_data_in_logs_event_storage_reports_or_published_outputs(which, request):
    home, _ = request.getfixturevalue(which)
    world = collect(home)
    without_dates(world, [EARLIEST, HR_EARLIEST, LATEST])
    assert len(world.names) > 50 and world.dobs and len(world.tokens) > 100  # the world has some to leak
    assert personal_data_found(home, home.parent / "outputs", world.find) == {}
