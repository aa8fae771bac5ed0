"""Shared simulated homes for the simulator tests (small scale, a few days)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from simulator import simulate

START = dt.date(2025, 4, 1)  # a Tuesday: monthly snapshots, the budget, and a Monday (7th) within 9 days


@pytest.fixture(scope="session")
def clean_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    home = tmp_path_factory.mktemp("clean")
    summary = simulate(home, scale=0.02, start=START, days=9, seed=7, defects=0)
    return home, summary
