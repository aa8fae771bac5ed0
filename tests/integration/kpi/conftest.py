import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from warehouse_world import TEST_SALT, run_dbt, small_world  # noqa: E402, F401  (small_world: the session fixture, shared with tests/integration/dbt)

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


def load_in_nights(home: Path, *, scale: float, start: date, days: int, seed: int, defects: float) -> None:
    """Simulate `days` days NIGHTS_EVERY days at a time, ingesting every feed after each, then
    resolve the customers (what the nightly job does before dbt)."""
    for offset in range(0, days, NIGHTS_EVERY):
        simulate(
            home,
            scale=scale,
            start=start + timedelta(offset),
            days=min(NIGHTS_EVERY, days - offset),
            seed=seed,
            defects=defects,
        )
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        try:
            for spec in FEEDS:
                ingest_feed(con, home, spec)
        finally:
            con.close()
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        resolution.run(con, home, TEST_SALT)
    finally:
        con.close()


@pytest.fixture(scope="session")
def defects_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The home of the defects world, loaded night by night and built once per session."""
    home = tmp_path_factory.getbasetemp() / "worlds" / "defects"
    marker = home / "dbt-built.ok"
    if marker.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    load_in_nights(home, **DEFECTS_WORLD)
    result = run_dbt(home, ["build"])
    if result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        raise AssertionError("dbt build failed on the defects world:\n" + "\n".join(failures[-30:]))
    marker.write_text("ok")
    return home
