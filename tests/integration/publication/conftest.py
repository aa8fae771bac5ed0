"""A small simulated county taken through the real nightly job into a home of its own
(tests/private_home.py: these tests change their world's warehouse and releases)."""

from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from private_home import definitions, run_job

from orchestration.gate import gate_checks
from simulator import simulate

RELEASE_KEY = dg.AssetKey(["publication", "release"])
# Three partial months: March and April 2025 are complete by the reporting date (~9 May).
WORLD = {"scale": 0.01, "start": date(2025, 3, 1), "days": 70, "seed": 11, "defects": 0.0}


def gx_checks_and_release() -> dg.AssetSelection:
    """The gate without the dbt tests (the nightly run ran them on the same tables, and the publish
    step finds their evaluations in the world's instance): every GX check of the `bi` tables, then
    the publish asset."""
    graph = definitions().resolve_asset_graph()
    bi = sorted(
        (k for k in graph.get_all_asset_keys() if k.path[0] == "bi"), key=lambda k: k.to_user_string()
    )
    gx = [key for check in gate_checks(bi) for key in check.check_keys]
    return dg.AssetSelection.assets(RELEASE_KEY) | dg.AssetSelection.checks(*gx)


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
def world_instance() -> dg.DagsterInstance:
    """The world's Dagster instance: the check evaluations the publish step looks up live here."""
    return dg.DagsterInstance.ephemeral()


@pytest.fixture(scope="session")
def published(tmp_path_factory, world_instance) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The world's home after one nightly run, which published its first release."""
    home = tmp_path_factory.mktemp("publication") / "home"
    simulate(home, **WORLD)
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = run_job(home, "nightly_refresh", monkeypatch, instance=world_instance)
    failed = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert result.success and released(result), f"failed steps: {failed}"
    return home, result


@pytest.fixture
def gate_and_publish(monkeypatch, world_instance):
    job = dg.define_asset_job("gate_and_publish", selection=gx_checks_and_release())
    return lambda home: run_job(
        home, "gate_and_publish", monkeypatch, extra_jobs=(job,), instance=world_instance
    )
