"""The CLI end to end, as a data engineer runs it, on one simulated and refreshed world (scale
0.01, seed 72, 30 days) built once for the module:

- simulate, refresh, status, refresh again, rollback;
- the release gate met through the commands they run: a damaged `bi` table is published by no
  path - `dagster asset materialize` of the release alone (what the UI's Materialize does), a
  re-execution of that run from failure, a Python call of the asset, `insight-hub publish` - each
  exits non-zero and names the checks; restored, it republishes;
- the seed-72 world, whose Hyper extract was rewritten by verification, publishes and its release
  verifies again.

One world serves the three because a simulate + refresh is most of each test's time. The tests
change the home (new releases, a damaged then restored table, rollbacks) in any order pytest runs
them: each starts and ends with `current` on the world's first release, and what depends on the
state right after the refresh (its output, `status`, the first release) is taken by the fixture.
"""

import fnmatch
import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.resources import REPO_ROOT

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "cli"]
# What the UI's Materialize of the release alone runs.
MATERIALIZE_RELEASE = [
    str(Path(sys.executable).parent / "dagster"),
    *("asset", "materialize", "--select", "publication/release", "-m", "orchestration.definitions"),
]
# A Python call of the release asset, and a re-execution from failure of the latest failed run,
# both against the home's Dagster instance (DAGSTER_HOME under INSIGHT_HUB_HOME).
PYTHON_CALL = """
import dagster as dg
from orchestration.definitions import load_definitions
defs = load_definitions()
release = defs.get_assets_def(dg.AssetKey(["publication", "release"]))
with dg.DagsterInstance.get() as instance:
    result = dg.materialize([release], instance=instance, resources=defs.resources, raise_on_error=False)
raise SystemExit(0 if result.success else 1)
"""
REEXECUTE_FROM_FAILURE = """
import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository
from orchestration.resources import REPO_ROOT
with dg.DagsterInstance.get() as instance:
    failed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]), limit=1)[0]
    repository = ReconstructableRepository.for_module("orchestration.definitions", "defs", str(REPO_ROOT))
    job = repository.get_reconstructable_job(failed.job_name)
    options = dg.ReexecutionOptions.from_failure(failed.run_id, instance)
    result = dg.execute_job(job, instance, reexecution_options=options, raise_on_error=False)
    print("re-executed", failed.run_id, "as", result.run_id)
    raise SystemExit(0 if result.success else 1)
"""


def run(home: Path, *command: str) -> subprocess.CompletedProcess:
    # The `dagster` command reads its instance before it loads the definitions: name it.
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    return subprocess.run(list(command), env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)


def published_state(home: Path) -> dict[str, str]:
    published = home / "published"
    return {
        p.relative_to(published).as_posix(): (
            "-> " + os.readlink(p) if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
        )
        for p in sorted(published.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def current(home: Path) -> str:
    return os.readlink(home / "published" / "current").split("/")[-1]


@dataclass(frozen=True)
class World:
    """A simulated and refreshed home, and what its commands said right after the refresh."""

    home: Path
    simulated: subprocess.CompletedProcess
    landed_hr: list[str]  # the HR files in landing after simulate (the refresh archives them)
    refreshed: subprocess.CompletedProcess
    release_id: str  # the refresh's release: every test leaves `current` on it
    status: subprocess.CompletedProcess  # `insight-hub status` right after the refresh


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    home = tmp_path_factory.mktemp("cli") / "home"
    simulated = run(
        home, *CLI, "simulate", "--scale", "0.01", "--start", "2025-04-01", "--days", "30", "--seed", "72"
    )
    assert simulated.returncode == 0, simulated.stderr
    landed_hr = sorted(p.name for p in (home / "landing" / "ibc" / "hr").glob("*"))
    refreshed = run(home, *CLI, "refresh")
    assert refreshed.returncode == 0, refreshed.stdout[-3000:] + refreshed.stderr[-3000:]
    return World(home, simulated, landed_hr, refreshed, current(home), run(home, *CLI, "status"))


def test_simulate_refresh_status(world):
    home, release_id = world.home, world.release_id
    assert fnmatch.filter(world.landed_hr, "PA0001_*.txt")
    assert "published release" in world.refreshed.stdout
    assert (home / "published" / "current" / "insight_hub.duckdb").exists()

    status = world.status
    assert status.returncode == 0, status.stderr
    assert f"current release: {release_id}" in status.stdout
    assert "nightly_refresh" in status.stdout and "SUCCESS" in status.stdout
    assert "audience sets:" in status.stdout and "readers: owner only  mode 0o700" in status.stdout

    # Nothing new landed: refresh again still exits 0 and publishes the same data.
    assert current(home) == release_id
    again = run(home, *CLI, "refresh")
    assert again.returncode == 0, again.stdout + again.stderr

    listed = run(home, *CLI, "publish", "--status")
    assert release_id in listed.stdout
    rolled = run(home, *CLI, "rollback", "--to", release_id)
    assert rolled.returncode == 0
    assert os.readlink(home / "published" / "current").endswith(release_id)
    assert run(home, *CLI, "rollback", "--to", "19990101T000000Z").returncode != 0


def test_a_damaged_bi_table_is_published_by_no_path_and_republishes_once_restored(world):
    home, first = world.home, world.release_id
    assert world.refreshed.returncode == 0
    assert current(home) == first

    # Nothing changed: the release alone is published on the refresh's checks.
    alone = run(home, *MATERIALIZE_RELEASE)
    assert alone.returncode == 0, alone.stdout[-3000:] + alone.stderr[-3000:]
    assert current(home) != first

    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("create table bi.kpi_csc_monthly__kept as select * from bi.kpi_csc_monthly")
    con.execute(
        "update bi.kpi_csc_monthly set abandonment_rate = 7.5 where (month, service) = "
        "(select (month, service) from bi.kpi_csc_monthly order by month, service limit 1)"
    )
    con.execute("insert into bi.kpi_csc_monthly select * from bi.kpi_csc_monthly order by month desc limit 1")
    con.close()
    before = published_state(home)

    paths = {
        "materialize the release alone": run(home, *MATERIALIZE_RELEASE),
        "re-execute from failure": run(home, sys.executable, "-c", REEXECUTE_FROM_FAILURE),
        "a Python call of the asset": run(home, sys.executable, "-c", PYTHON_CALL),
    }
    for path, result in paths.items():
        said = result.stdout + result.stderr
        assert result.returncode != 0, path
        assert "release refused" in said and "bi/kpi_csc_monthly:gx_kpi_csc_monthly: STALE" in said, path
        assert "insight-hub publish" in said, path
    assert "re-executed" in paths["re-execute from failure"].stdout

    published = run(home, *CLI, "publish", "--quiet")
    assert published.returncode == 1, published.stdout[-3000:]
    # Each failed check with the columns it found wrong (never the values), then what to do, once.
    said = published.stdout
    named = "FAILED blocking check bi/kpi_csc_monthly:"
    assert re.search(
        rf"{named}between_kpi_csc_monthly_abandonment_rate\S* in column abandonment_rate\n", said
    ), said
    assert re.search(rf"{named}unique_combination\S* in columns month, service\n", said), said
    assert published.stdout.count("What to do: for a failed check") == 1
    assert "7.5" not in published.stdout
    assert "nothing published" in published.stdout
    assert published_state(home) == before
    assert not list((home / "published" / "releases").glob(".*"))  # no folder left behind

    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("delete from bi.kpi_csc_monthly")
    con.execute("insert into bi.kpi_csc_monthly select * from bi.kpi_csc_monthly__kept")
    con.execute("drop table bi.kpi_csc_monthly__kept")
    con.close()
    restored = run(home, *CLI, "publish", "--quiet")
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert "published release" in restored.stdout
    assert run(home, *CLI, "rollback", "--to", first).returncode == 0
    assert current(home) == first


def test_the_seed_72_world_publishes_and_its_release_verifies_again(world):
    """Verification once rewrote this world's hyper/dim_organisation.hyper (Hyper opened it
    read-write) and every refresh failed; extracts are now verified on copies and read-only."""
    home, release_id = world.home, world.release_id
    assert world.simulated.returncode == 0
    assert world.refreshed.returncode == 0
    assert current(home) == release_id
    folder = home / "published" / "releases" / release_id
    assert all(p.stat().st_mode & 0o222 == 0 for p in folder.rglob("*") if p.is_file())
    state = published_state(home)
    # Rolling back to it verifies it again (Hyper included) and changes none of its files.
    rolled = run(home, *CLI, "rollback", "--to", release_id)
    assert rolled.returncode == 0, rolled.stderr
    assert published_state(home) == state
