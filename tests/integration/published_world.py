"""The publication world: a small simulated county taken through the real nightly job into a home of
its own (tests/private_home.py), which published its first release. Built once per test process
(tests/integration/conftest.py) for the packages that publish from it: publication and serving."""

from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from private_home import run_job

from simulator import simulate

RELEASE_KEY = dg.AssetKey(["publication", "release"])
# Three partial months: March and April 2025 are complete by the reporting date (~9 May).
WORLD = {"scale": 0.01, "start": date(2025, 3, 1), "days": 70, "seed": 11, "defects": 0.0}


def released(result: dg.ExecuteInProcessResult) -> bool:
    """Did the run materialise the publish asset?"""
    return any(
        e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION and e.asset_key == RELEASE_KEY
        for e in result.all_events
    )


def build_published(home: Path, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Simulate the world into `home` and run the nightly job on `instance`; it must publish."""
    simulate(home, **WORLD)
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = run_job(home, "nightly_refresh", monkeypatch, instance=instance)
    failed = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert result.success and released(result), f"failed steps: {failed}"
    return result
