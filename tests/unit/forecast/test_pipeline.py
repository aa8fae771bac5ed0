"""The nightly forecast step on an in-memory warehouse (forecast/pipeline.py)."""

import duckdb
import pandas as pd
import pytest
from forecast_history import HOLIDAYS, make_history

from forecast.demand import daily_panel
from forecast.erlang import StaffingSettings
from forecast.pipeline import SCHEMA, TABLES, build, run


def warehouse(daily: pd.DataFrame, half: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.register("d", daily)
    con.register("h", half)
    con.register("hol", pd.DataFrame({"date_day": HOLIDAYS.date, "is_bank_holiday": True}))
    con.execute(
        "create table intermediate.int_csc_demand_daily as "
        "select cast(day as date) as day, * exclude (day) from d"
    )
    con.execute("create table intermediate.int_csc_calls_half_hourly as select * from h")
    con.execute("create table intermediate.int_calendar as select * from hol")
    return con


def test_run_writes_the_four_tables_with_staffing(history):
    con = warehouse(*history)
    summary = run(con)
    assert summary.skipped_reason is None and summary.series == 6 and summary.history_days == 730
    counts = {t: con.execute(f"select count(*) from {SCHEMA}.{t}").fetchall()[0][0] for t in TABLES}
    assert counts == summary.rows
    assert counts["csc_forecast_daily"] == 56 * 6 and counts["csc_staffing"] == 14 * 48 * 2
    staff = con.execute(f"select * from {SCHEMA}.csc_staffing").df()
    busy = staff[staff["forecast_calls"] > 1]
    assert (busy["agents_required"] >= 1).all()
    assert (staff.loc[staff["forecast_calls"] == 0, "agents_required"] == 0).all()
    assert (busy["staff_required"] >= busy["agents_required"] / 0.7 - 1e-9).all()
    assert set(staff["aht_s"].round()) == {300.0, 200.0}
    assert "customer" not in " ".join(con.sql(f"describe {SCHEMA}.csc_staffing").df()["column_name"])


def test_settings_change_the_staffing(history):
    con = warehouse(*history)
    run(con)
    loose = con.execute(f"select sum(staff_required) from {SCHEMA}.csc_staffing").fetchall()[0][0]
    run(con, staffing=StaffingSettings(service_level=0.95, target_wait_s=10, shrinkage=0.4))
    tight = con.execute(f"select sum(staff_required) from {SCHEMA}.csc_staffing").fetchall()[0][0]
    assert tight > loose


def test_a_new_warehouse_gets_empty_tables_and_the_reason():
    daily, half = make_history(days=5)
    con = warehouse(daily, half)
    summary = run(con)
    assert "at least 14 days" in summary.skipped_reason
    assert all(n == 0 for n in summary.rows.values())
    cols = con.sql(f"describe {SCHEMA}.csc_staffing").df().set_index("column_name")["column_type"]
    assert cols["interval_start"].startswith("TIMESTAMP") and cols["agents_required"] == "BIGINT"


def test_a_failed_write_leaves_the_previous_tables(history, monkeypatch):
    con = warehouse(*history)
    run(con)
    before = con.execute(f"select count(*) from {SCHEMA}.csc_forecast_daily").fetchall()[0][0]
    import forecast.pipeline as pipeline

    real = pipeline.build

    def broken(*args, **kwargs):
        tables = real(*args, **kwargs)
        tables["csc_staffing"] = object()  # not a frame: the write fails after the first tables
        return tables

    monkeypatch.setattr(pipeline, "build", broken)
    with pytest.raises(Exception):  # noqa: B017 - any failure of the write
        run(con)
    assert con.execute(f"select count(*) from {SCHEMA}.csc_forecast_daily").fetchall()[0][0] == before


def short_history_forecast(end: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    """60 days (no back-test origin: the baseline) ending `end`: history by day x series, tables."""
    daily, half = make_history(days=60, end=end)
    panel = daily_panel(daily)
    history = pd.DataFrame(panel.values, index=panel.dates, columns=pd.MultiIndex.from_frame(panel.keys))
    tables = build(daily, half, pd.Series(HOLIDAYS))
    forecast = tables["csc_forecast_daily"].pivot_table(
        index="period_start", columns=["measure", "service", "channel"], values="forecast"
    )
    assert set(tables["csc_forecast_daily"]["model"]) == {"seasonal_naive"}
    return history, forecast[history.columns], tables


def test_a_bank_holiday_in_the_last_week_is_not_repeated_for_eight_weeks():
    # last week Thu 2 - Wed 8 May 2024 holds the early May bank holiday (Monday 6 May)
    history, forecast, _ = short_history_forecast("2024-05-08")
    normal_mondays = [d for d in forecast.index if d.weekday() == 0 and d != pd.Timestamp("2024-05-27")]
    assert len(normal_mondays) == 7
    for day in normal_mondays:  # the Monday of the latest week without a bank holiday: 29 April
        assert forecast.loc[day].tolist() == history.loc["2024-04-29"].tolist()
    assert (history.loc["2024-04-29"] > 3 * history.loc["2024-05-06"]).all()


def test_a_bank_holiday_in_the_horizon_is_forecast_from_history_s_bank_holidays():
    # history 17 Mar - 15 May 2024 saw 29 Mar, 1 Apr and 6 May; the horizon holds Whit Monday 27 May
    history, forecast, tables = short_history_forecast("2024-05-15")
    seen = history.loc[pd.to_datetime(["2024-03-29", "2024-04-01", "2024-05-06"])].mean()
    assert forecast.loc["2024-05-27"].tolist() == pytest.approx(seen.tolist())
    assert forecast.loc["2024-06-03"].tolist() == history.loc["2024-05-13"].tolist()
    assert (forecast.loc["2024-05-27"] < forecast.loc["2024-06-03"] / 3).all()
    # the half-hourly horizon (16 - 29 May) and its staffing follow: a quiet bank holiday
    staff = tables["csc_staffing"].assign(day=lambda f: f["interval_start"].dt.normalize())
    by_day = staff.groupby("day")[["forecast_calls", "agents_required"]].sum()
    holiday, monday = by_day.loc[pd.Timestamp("2024-05-27")], by_day.loc[pd.Timestamp("2024-05-20")]
    assert holiday["forecast_calls"] < monday["forecast_calls"] / 3
    assert holiday["agents_required"] < monday["agents_required"] / 2
