"""The nightly forecast step on an in-memory warehouse (forecast/pipeline.py)."""

import duckdb
import pandas as pd
import pytest
from forecast_history import HOLIDAYS, make_history

from forecast.erlang import StaffingSettings
from forecast.pipeline import SCHEMA, TABLES, run


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
