"""The publication world (tests/integration/published_world.py, built by the conftest above) and
what its tests run on it: these tests change their world's warehouse and releases."""

import dagster as dg
import pytest
from private_home import definitions, run_job
from published_world import RELEASE_KEY

from orchestration.gate import gate_checks


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


@pytest.fixture
def gate_and_publish(monkeypatch, world_instance):
    job = dg.define_asset_job("gate_and_publish", selection=gx_checks_and_release())
    return lambda home: run_job(
        home, "gate_and_publish", monkeypatch, extra_jobs=(job,), instance=world_instance
    )
