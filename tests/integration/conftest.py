"""Worlds shared by several packages of tests/integration: a session fixture here is built once per
test process, however many packages use it."""

from pathlib import Path

import dagster as dg
import pytest
from nightly_world import NightlyWorld
from nightly_world import build as build_nightly
from published_world import build_published


@pytest.fixture(scope="session")
def world_instance() -> dg.DagsterInstance:
    """The publication world's Dagster instance: the check evaluations the publish step looks up."""
    return dg.DagsterInstance.ephemeral()


@pytest.fixture(scope="session")
def published(tmp_path_factory, world_instance) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The publication world's home after one nightly run, which published its first release. Its
    tests change the world's releases (and restore any table they damage)."""
    home = tmp_path_factory.mktemp("publication") / "home"
    return home, build_published(home, world_instance)


@pytest.fixture(scope="session")
def nightly_world(tmp_path_factory) -> NightlyWorld:
    """April and part of May 2025 after one nightly run, lent by checkout (nightly_world.py)."""
    return build_nightly(tmp_path_factory.mktemp("nightly"))
