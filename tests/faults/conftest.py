"""Shared helpers of the fault tests.

The county refreshed once and lent to the modules that start from it is `refreshed_world`
(shared_world.py). The hand-written landing files of the ingestion unit tests (`ingestion_files`)
and the personal-data scanner of the publication tests (`personal_data`) are reused, not copied:
their folders are put on the import path here.
"""

import sys
from pathlib import Path

import dagster as dg
import pytest

from cli.instance import prepare_instance

TESTS = Path(__file__).resolve().parent.parent
for folder in (TESTS / "unit" / "ingestion", TESTS / "integration" / "publication"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

from shared_world import RefreshedWorld, build  # noqa: E402 (after the import path is set)


@pytest.fixture
def instance(tmp_path: Path):
    """A Dagster instance on disk with the project's dagster.yaml (one run at a time, pools of 1)."""
    home = tmp_path / "dagster"
    prepare_instance(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


@pytest.fixture(scope="session")
def refreshed_world(tmp_path_factory) -> RefreshedWorld:
    """The small county simulated and refreshed once per test process (shared_world.py)."""
    return build(tmp_path_factory.mktemp("shared"))
