"""The one simulated world both statutory modules recompute from (a session fixture: built once), and
the read-only connection to it.

Two years, 1 April 2024 to 2 April 2026 (the issue's must-show), at scale 0.01 as the two modules'
own worlds had (its senior structure names a post over £150,000): two 31 March snapshots (2025 and
2026), four whole six-month periods of the payments compliance notice (the first incomplete: the
month before it is not in the window), seven whole purchase card quarters and eight spend quarters.
"""

import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from warehouse_world import built_world  # noqa: E402

STATUTORY_WORLD = {"scale": 0.01, "start": date(2024, 4, 1), "days": 732, "seed": 7}


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_world(tmp_path_factory.mktemp("statutory"), **STATUTORY_WORLD)


@pytest.fixture(scope="module")
def con(world: Path):
    con = duckdb.connect(str(world / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()
