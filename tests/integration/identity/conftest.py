"""Simulated worlds with their person feeds loaded by the real ingestion, for identity resolution."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion import csc_crm, person_index, web_forms
from ingestion.landing import ingest_feed
from simulator import simulate

PERSON_FEEDS = (*csc_crm.FEEDS, *web_forms.FEEDS, *person_index.FEEDS)
SALT = "identity-tests-salt"


def build_world(home: Path, scale: float, days: int, seed: int) -> Path:
    """Simulate (default defects) and load the CRM, e-form and person index feeds into raw."""
    simulate(home, scale=scale, start=date(2025, 4, 1), days=days, seed=seed)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for spec in PERSON_FEEDS:
            ingest_feed(con, home, spec)
    return home


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world(tmp_path_factory.mktemp("identity-world"), scale=0.02, days=60, seed=11)


@pytest.fixture
def world(small_world: Path, tmp_path: Path) -> Path:
    """A private copy of the small world's warehouse and truth, free to change."""
    shutil.copy(small_world / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    shutil.copytree(small_world / "simulator_truth", tmp_path / "simulator_truth")
    return tmp_path
