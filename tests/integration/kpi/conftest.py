import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from warehouse_world import TEST_SALT, run_dbt, small_world  # noqa: E402, F401  (small_world: the session fixture, shared with tests/integration/dbt)

from forecast.pipeline import ensure_tables as forecast_tables  # noqa: E402
from identity import resolution  # noqa: E402
from ingestion import FEEDS  # noqa: E402
from ingestion.landing import ingest_feed  # noqa: E402
from simulator import simulate  # noqa: E402

# A world with every kind of defect the simulator makes (refused files, quarantined rows, files
# re-sent with corrections, late files, duplicates under a new name, BDU mismatches), delivered and
# ingested in chunks of days as nights would: a late file arrives in a later chunk than its date,
# after newer files of its feed were loaded, and a corrected re-send replaces a file already loaded.
DEFECTS_WORLD = {"scale": 0.02, "start": date(2025, 3, 1), "days": 75, "seed": 5, "defects": 0.04}
NIGHTS_EVERY = 5  # days delivered between two ingestions
# The nights (days delivered so far) after which the customers are resolved and dbt runs, as the
# nightly job would: the first builds every table; the next two hold no reference files, but a
# corrected re-send (FI_ITEMS of 5 March, seed 5) and late files (FI_ITEMS of 19 and 21 March):
# incremental windows; the last holds April's and May's CSKS and contracts snapshots (the models
# reading them rebuild whole, int_contacts stays incremental) and runs the dbt tests too.
BUILD_AFTER_DAYS = (5, 15, 25, 75)
# Seeds and models as the nightly `dbt build` makes them, the data tests left out.
MODELS_ONLY = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


@dataclass(frozen=True)
class Nights:
    """The defects world built night by night: its home, the dbt output of each run, and the time
    the file register had reached at the first run."""

    home: Path
    logs: list[str]
    first_build_at: datetime


def dbt_build(home: Path, *args: str) -> str:
    """`dbt build` as the nightly job runs it (`args` may leave out resource types): its output."""
    result = run_dbt(home, ["build", *args])
    if result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        raise AssertionError(f"dbt build failed on {home.name}:\n" + "\n".join(failures[-30:]))
    return result.stdout


def build_in_nights(home: Path, *, scale: float, start: date, days: int, seed: int, defects: float) -> Nights:
    """Simulate `days` days NIGHTS_EVERY days at a time, ingesting every feed after each; after the
    nights of BUILD_AFTER_DAYS resolve the customers and run dbt (seeds and models; the last run
    with the data tests, which must pass on this world as on any other)."""
    logs: list[str] = []
    first_build_at = None
    for offset in range(0, days, NIGHTS_EVERY):
        delivered = min(NIGHTS_EVERY, days - offset)
        simulate(
            home, scale=scale, start=start + timedelta(offset), days=delivered, seed=seed, defects=defects
        )
        build = offset + delivered in BUILD_AFTER_DAYS
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        try:
            for spec in FEEDS:
                ingest_feed(con, home, spec)
            if build:
                resolution.run(con, home, TEST_SALT)
                forecast_tables(con)  # written by the job's forecast step: empty here
                if first_build_at is None:
                    first_build_at = con.execute(
                        "select max(processed_at) from ops.file_register"
                    ).fetchone()[0]
        finally:
            con.close()
        if build:
            last = offset + delivered == days
            logs.append(dbt_build(home, *(() if last else MODELS_ONLY)))
    assert first_build_at is not None and logs, "no night of BUILD_AFTER_DAYS in the world's days"
    return Nights(home, logs, first_build_at)


@pytest.fixture(scope="session")
def defects_nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    """The defects world, loaded and built night by night once per session (test_incremental shows
    the result equals a full rebuild; test_recompute reads it)."""
    home = tmp_path_factory.getbasetemp() / "worlds" / "defects"
    home.mkdir(parents=True)
    return build_in_nights(home, **DEFECTS_WORLD)


@pytest.fixture(scope="session")
def defects_world(defects_nights: Nights) -> Path:
    """The home of the defects world."""
    return defects_nights.home
