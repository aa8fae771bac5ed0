"""A small simulated county taken through the real nightly job into a home of its own.

The Dagster definitions are bound to the session's INSIGHT_HUB_HOME; these tests change their
world's warehouse and releases, so they run the same assets, checks and jobs with the warehouse
resource (and dbt's environment) pointed at a private home instead.
"""

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.publication_assets import release
from orchestration.quality import GX_CHECKS
from orchestration.resources import WarehouseResource
from simulator import simulate

RELEASE_KEY = dg.AssetKey(["publication", "release"])
# Three partial months: March and April 2025 are complete by the reporting date (~9 May).
WORLD = {"scale": 0.01, "start": date(2025, 3, 1), "days": 70, "seed": 11, "defects": 0.0}
# The gate without the dbt tests (the nightly run ran them on the same tables): every GX check
# of the `bi` tables, then the publish asset.
GATE_AND_PUBLISH = dg.define_asset_job(
    "gate_and_publish", selection=dg.AssetSelection.assets(release) | dg.AssetSelection.checks(*GX_CHECKS)
)


def run_job(home: Path, job_name: str, monkeypatch: pytest.MonkeyPatch) -> dg.ExecuteInProcessResult:
    """Run one of the project's jobs in-process on `home`'s warehouse."""
    for name, value in {
        "INSIGHT_HUB_HOME": str(home),
        "DBT_TARGET_PATH": str(home / "dbt" / "target"),
        "DBT_LOG_PATH": str(home / "dbt" / "logs"),
    }.items():
        monkeypatch.setenv(name, value)
    private = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[*defs.jobs, GATE_AND_PUBLISH],
        executor=dg.in_process_executor,
        resources={**defs.resources, "warehouse": WarehouseResource(home=str(home))},
    )
    return private.resolve_job_def(job_name).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def check_evaluations(result: dg.ExecuteInProcessResult) -> list:
    return [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]


def released(result: dg.ExecuteInProcessResult) -> bool:
    """Did the run materialise the publish asset?"""
    return any(
        e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION and e.asset_key == RELEASE_KEY
        for e in result.all_events
    )


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The world's home after one nightly run, which published its first release."""
    home = tmp_path_factory.mktemp("publication") / "home"
    simulate(home, **WORLD)
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = run_job(home, "nightly_refresh", monkeypatch)
    failed = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert result.success and released(result), f"failed steps: {failed}"
    return home, result


@pytest.fixture
def gate_and_publish(monkeypatch):
    return lambda home: run_job(home, "gate_and_publish", monkeypatch)
