"""Rebuild: a warehouse lost (deleted, or restored from an older backup) is rebuilt from archive/ and
quarantine/ alone by the next ingestion: the same register, findings, refused rows, raw tables and
reports as before, and not one file moved.

The end-to-end rebuild (a refresh with warehouse.duckdb deleted publishes the same marts) is in
test_crash_safety.py.
"""

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hr_delivery import before_the_delivery, ingest_folder, state, the_delivery

from ingestion import FEEDS
from ingestion.landing import ingest_feed
from simulator import simulate


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> tuple[Path, Path]:
    """The `ibc/hr` home before the delivery (with a copy of its warehouse), and after it."""
    before = tmp_path_factory.mktemp("before")
    before_the_delivery(before)
    after = tmp_path_factory.mktemp("after") / "home"
    shutil.copytree(before, after)
    the_delivery(after)
    ingest_folder(after)
    return before, after


def test_a_deleted_warehouse_is_rebuilt_from_archive_and_quarantine(homes, tmp_path: Path):
    _, after = homes
    home = tmp_path / "home"
    shutil.copytree(after, home)
    (home / "warehouse.duckdb").unlink()
    ingest_folder(home)
    assert state(home) == state(after)


def test_a_warehouse_restored_from_an_older_backup_catches_up(homes, tmp_path: Path):
    before, after = homes
    home = tmp_path / "home"
    shutil.copytree(after, home)
    shutil.copy2(before / "warehouse.duckdb", home / "warehouse.duckdb")  # knows nothing of the delivery
    ingest_folder(home)
    assert state(home) == state(after)


def test_a_rebuild_is_a_no_op_once_done(homes, tmp_path: Path):
    _, after = homes
    home = tmp_path / "home"
    shutil.copytree(after, home)
    (home / "warehouse.duckdb").unlink()
    ingest_folder(home)
    rebuilt = state(home)
    ingest_folder(home)
    assert state(home) == rebuilt


@pytest.mark.slow
def test_a_simulated_world_with_every_defect_is_rebuilt_exactly(tmp_path: Path):
    """Forty days delivered and ingested one at a time (re-sends, late files, copies, refusals), then
    the warehouse is deleted: ingesting again rebuilds every feed's tables and bookkeeping."""
    home = tmp_path / "home"
    start = date(2025, 4, 1)
    with duckdb.connect(str(home.mkdir() or home / "warehouse.duckdb")) as con:
        for day in range(40):
            simulate(home, scale=0.01, start=start + timedelta(days=day), days=1, seed=3, defects=0.06)
            for spec in FEEDS:
                ingest_feed(con, home, spec)
    original = state(home, list(FEEDS))
    assert any("superseded" in key for key in original)  # the world re-sent files
    (home / "warehouse.duckdb").unlink()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for spec in FEEDS:
            ingest_feed(con, home, spec)
    assert state(home, list(FEEDS)) == original
