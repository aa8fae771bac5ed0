"""A small simulated world for identity resolution, and a private copy of it per test."""

import shutil
from pathlib import Path

import pytest
from identity_world import build_world


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world(tmp_path_factory.mktemp("identity-world"), scale=0.02, days=60, seed=11)


@pytest.fixture
def world(small_world: Path, tmp_path: Path) -> Path:
    """A private copy of the small world's warehouse and truth, free to change."""
    shutil.copy(small_world / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    shutil.copytree(small_world / "simulator_truth", tmp_path / "simulator_truth")
    return tmp_path
