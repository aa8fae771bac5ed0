"""The forecast step and its marts on simulated worlds (forecast/, docs/forecast.md).

The job runs the step between the dbt models it reads and the marts it feeds; here the world is
built by dbt alone (the forecast tables empty), then the step runs and the marts are rebuilt, on
a copy so the shared world stays as it was.
"""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from warehouse_world import built_world, run_dbt

from forecast import pipeline

MARTS = ["csc_demand_forecast", "csc_staffing_requirement", "csc_forecast_accuracy"]
TWO_YEARS = {"scale": 0.02, "start": date(2023, 1, 2), "days": 730, "seed": 11}
LARGE_SERVICES = ["Adult Social Care", "Highways"]  # 20 % and 18 % of the contacts


def forecast_on_copy(world: Path, home: Path) -> pipeline.Summary:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(world / "warehouse.duckdb", home / "warehouse.duckdb")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        summary = pipeline.run(con)
    built = run_dbt(home, ["build", "--select", *MARTS])
    assert built.returncode == 0, built.stdout[-3000:]
    return summary


def test_the_marts_build_empty_before_the_first_forecast(small_world):
    with duckdb.connect(str(small_world / "warehouse.duckdb"), read_only=True) as con:
        for mart in MARTS:
            assert con.execute(f"select count(*) from bi.{mart}").fetchall()[0][0] == 0


def test_forecast_and_staffing_on_the_small_world(small_world, tmp_path):
    summary = forecast_on_copy(small_world, tmp_path / "home")
    assert summary.skipped_reason is None and summary.history_days >= 70
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as con:
        queues = con.execute(
            "select count(distinct service) from intermediate.int_csc_demand_daily where measure = 'calls'"
        ).fetchall()[0][0]
        staffing = (
            con.sql(
                "select count(*) as n, min(interval_start) as first, sum(staff_required) as staff, "
                "count(*) filter (where staff_required < agents_required) as bad "
                "from bi.csc_staffing_requirement"
            )
            .df()
            .iloc[0]
        )
        assert staffing["n"] == 14 * 48 * queues and staffing["bad"] == 0 and staffing["staff"] > 0
        assert staffing["first"].date().isoformat() > summary.last_day
        evals = {
            r[0] for r in con.execute("select distinct evaluation from bi.csc_forecast_accuracy").fetchall()
        }
        assert evals == {"last_week"}  # 75 days: too short for an 8-week back-test
        granularities = con.execute(
            "select granularity, count(*) from bi.csc_demand_forecast group by granularity order by 1"
        ).fetchall()
        assert [g for g, _ in granularities] == ["day", "half_hour"]


@pytest.mark.slow
def test_two_years_the_chosen_models_beat_the_baseline_for_the_large_services(tmp_path_factory, tmp_path):
    """Issue 21's 'must show': on a two-year world the back-test MASE of the chosen models is
    below 1 and below the seasonal-naive baseline's for the large services."""
    world = built_world(tmp_path_factory.getbasetemp() / "worlds", **TWO_YEARS)
    forecast_on_copy(world, tmp_path / "home")
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select measure, service, channel, mase, baseline_mase, model from bi.csc_forecast_accuracy "
            "where evaluation = 'backtest' and granularity = 'day' and channel = 'Phone' "
            f"and service in ({', '.join(repr(s) for s in LARGE_SERVICES)})"
        ).df()
    assert len(rows) == 2 * len(LARGE_SERVICES)  # phone contacts and calls
    assert (rows["mase"] < 1).all(), rows.to_string()
    assert (rows["mase"] <= rows["baseline_mase"]).all(), rows.to_string()
