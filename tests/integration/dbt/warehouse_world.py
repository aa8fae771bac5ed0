"""A simulated county loaded and built once per test session: simulate, ingest, resolve, `dbt build`.

Shared by tests/integration/dbt and tests/integration/kpi (which puts this folder on sys.path).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from forecast.pipeline import ensure_tables as forecast_tables
from identity import resolution
from ingestion import FEEDS
from ingestion.landing import ingest_feed
from simulator import simulate

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
DBT = str(Path(sys.executable).parent / "dbt")
TEST_SALT = "insight-hub-dbt-tests"


def dbt_env(home: Path) -> dict[str, str]:
    """The environment dbt needs to build the warehouse of `home` (writes stay under `home`)."""
    return {
        **os.environ,
        "INSIGHT_HUB_HOME": str(home),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(home / "dbt" / "target"),
        "DBT_LOG_PATH": str(home / "dbt" / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(home: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DBT, *args], cwd=DBT_PROJECT_DIR, env=dbt_env(home), capture_output=True, text=True, check=False
    )


def load_world(home: Path, *, scale: float, start: date, days: int, seed: int) -> None:
    """Simulate a world's landing files, ingest every feed into `raw` and resolve its customers
    into `restricted` (what the nightly job does before dbt)."""
    simulate(home, scale=scale, start=start, days=days, seed=seed, defects=0.0)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        for spec in FEEDS:
            ingest_feed(con, home, spec)
        resolution.run(con, home, TEST_SALT)
        forecast_tables(con)  # the forecast step runs between dbt models in the job: empty here
    finally:
        con.close()


def built_world(root: Path, *, scale: float, start: date, days: int, seed: int) -> Path:
    """The home of a loaded and dbt-built world under `root`, built on first request only."""
    home = root / f"world-s{scale}-{start:%Y%m%d}-d{days}-r{seed}"
    marker = home / "dbt-built.ok"
    if marker.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    load_world(home, scale=scale, start=start, days=days, seed=seed)
    result = run_dbt(home, ["build"])
    if result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        raise AssertionError("dbt build failed:\n" + "\n".join(failures[-30:]))
    marker.write_text("ok")
    return home


# A small county over three partial months that include the spring clock change (30 March 2025).
SMALL_WORLD = {"scale": 0.02, "start": date(2025, 3, 1), "days": 75, "seed": 3}


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The home of the small world, loaded and built once per session."""
    return built_world(tmp_path_factory.getbasetemp() / "worlds", **SMALL_WORLD)
