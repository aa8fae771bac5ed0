"""The read-only connection to the world a statutory test module builds (its `world` fixture)."""

from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(world: Path):
    con = duckdb.connect(str(world / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()
