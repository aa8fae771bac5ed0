"""The nightly forecast step: read the demand history from the warehouse, write the ops tables.

Reads the dbt models int_csc_demand_daily, int_csc_calls_half_hourly and int_calendar (bank
holidays: the calendar bi.dim_date publishes), schema intermediate; writes ops.csc_forecast_daily,
ops.csc_forecast_half_hourly, ops.csc_forecast_accuracy and ops.csc_staffing, which dbt
publishes as bi.csc_demand_forecast, bi.csc_staffing_requirement and bi.csc_forecast_accuracy
(source `forecast`). Counts only: no person-level data is read or written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from forecast.demand import (
    DEFAULT_SETTINGS,
    ForecastInputError,
    ForecastSettings,
    daily_panel,
    forecast_daily,
)
from forecast.erlang import DEFAULT_STAFFING, StaffingSettings, agents_required, staff_required
from forecast.intraday import forecast_half_hourly, handling_time

SCHEMA = "ops"
TABLES = ("csc_forecast_daily", "csc_forecast_half_hourly", "csc_forecast_accuracy", "csc_staffing")
INPUTS = {
    "daily": "select day, measure, service, channel, n from intermediate.int_csc_demand_daily",
    "half_hourly": "select interval_start, service, calls, calls_answered, handling_time_s "
    "from intermediate.int_csc_calls_half_hourly",
    "holidays": "select date_day from intermediate.int_calendar where is_bank_holiday",
}


@dataclass
class Summary:
    """What a run did: counts, timings and the accuracy headline, for the asset's metadata."""

    history_days: int = 0
    last_day: str | None = None
    series: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped_reason: str | None = None

    def metadata(self) -> dict[str, object]:
        out: dict[str, object] = {
            "history_days": self.history_days,
            "last_day": self.last_day or "",
            "series": self.series,
            "seconds": round(self.seconds, 2),
        }
        out.update({f"rows_{t}": n for t, n in self.rows.items()})
        if self.skipped_reason:
            out["skipped_reason"] = self.skipped_reason
        return out


def build(
    daily: pd.DataFrame,
    half_hourly: pd.DataFrame,
    holidays: pd.Series,
    settings: ForecastSettings = DEFAULT_SETTINGS,
    staffing: StaffingSettings = DEFAULT_STAFFING,
) -> dict[str, pd.DataFrame]:
    """The four output tables from the history frames (pure: no warehouse)."""
    hol = {pd.Timestamp(d) for d in pd.to_datetime(holidays)}
    panel = daily_panel(daily)
    result = forecast_daily(panel, hol, settings)
    hh = half_hourly.rename(columns={"calls_answered": "answered", "handling_time_s": "handling_s"})
    hh_fc, hh_acc = forecast_half_hourly(panel, result, hh, hol, settings)
    last_day = panel.dates[-1]
    services = hh_fc["service"].drop_duplicates().tolist()
    aht = handling_time(
        hh.assign(day=pd.to_datetime(hh["interval_start"]).dt.normalize()),
        services,
        last_day,
        settings.profile_weeks,
    )
    staff = hh_fc[["period_start", "service", "forecast"]].rename(
        columns={"period_start": "interval_start", "forecast": "forecast_calls"}
    )
    staff["aht_s"] = aht.reindex(staff["service"]).to_numpy()
    staff["agents_required"] = agents_required(
        staff["forecast_calls"].to_numpy(), staff["aht_s"].to_numpy(), staffing
    )
    staff["staff_required"] = staff_required(staff["agents_required"].to_numpy(), staffing)
    staff["service_level_target"] = staffing.service_level
    staff["target_wait_s"] = staffing.target_wait_s
    staff["shrinkage"] = staffing.shrinkage
    staff["max_occupancy"] = staffing.max_occupancy
    accuracy = pd.concat([result.accuracy, hh_acc], ignore_index=True)
    stamp = {"forecast_origin": last_day.date()}
    return {
        "csc_forecast_daily": result.forecast.assign(**stamp),
        "csc_forecast_half_hourly": hh_fc.assign(**stamp),
        "csc_forecast_accuracy": accuracy.assign(**stamp),
        "csc_staffing": staff.assign(**stamp),
    }


def run(
    con: duckdb.DuckDBPyConnection,
    settings: ForecastSettings = DEFAULT_SETTINGS,
    staffing: StaffingSettings = DEFAULT_STAFFING,
) -> Summary:
    """Forecast from the warehouse's history and replace the ops tables in one transaction.

    With too little history (a new warehouse) the tables are written empty, with their columns,
    so that the dbt models above them still build, and the summary says why.
    """
    started = time.perf_counter()
    frames = {name: con.sql(sql).df() for name, sql in INPUTS.items()}
    summary = Summary()
    try:
        tables = build(
            frames["daily"], frames["half_hourly"], frames["holidays"]["date_day"], settings, staffing
        )
    except ForecastInputError as exc:
        tables = empty_tables()
        summary.skipped_reason = str(exc)
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute("begin")
    try:
        for name, frame in tables.items():
            con.register("forecast_frame", frame)
            con.execute(f"create or replace table {SCHEMA}.{name} as select * from forecast_frame")
            con.unregister("forecast_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    daily = tables["csc_forecast_daily"]
    summary.rows = {name: len(frame) for name, frame in tables.items()}
    if not frames["daily"].empty:
        days = pd.to_datetime(frames["daily"]["day"])
        summary.history_days = int((days.max() - days.min()).days) + 1
        summary.last_day = days.max().date().isoformat()
    summary.series = (
        int(daily[["measure", "service", "channel"]].drop_duplicates().shape[0]) if len(daily) else 0
    )
    summary.seconds = time.perf_counter() - started
    return summary


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ops tables empty where they do not exist yet.

    For builds that run dbt without the Dagster job (tests, benchmarks): the forecast marts read
    these tables, and in the job the forecast step has written them before the marts build.
    """
    con.execute(f"create schema if not exists {SCHEMA}")
    for name, frame in empty_tables().items():
        con.register("forecast_frame", frame)
        con.execute(f"create table if not exists {SCHEMA}.{name} as select * from forecast_frame")
        con.unregister("forecast_frame")


def empty_tables() -> dict[str, pd.DataFrame]:
    """The output tables with their columns and types and no rows."""
    ts, text, num = "datetime64[us]", "object", "float64"
    key = {"measure": text, "service": text, "channel": text}
    fc = {"period_start": ts, **key, "model": text, "forecast": num, "lower": num, "upper": num}
    specs = {
        "csc_forecast_daily": fc,
        "csc_forecast_half_hourly": fc,
        "csc_forecast_accuracy": {
            **key,
            "granularity": text,
            "evaluation": text,
            "model": text,
            "origins": "int64",
            "mape": num,
            "baseline_mape": num,
            "mase": num,
            "baseline_mase": num,
        },
        "csc_staffing": {
            "interval_start": ts,
            "service": text,
            "forecast_calls": num,
            "aht_s": num,
            "agents_required": "int64",
            "staff_required": "int64",
            "service_level_target": num,
            "target_wait_s": num,
            "shrinkage": num,
            "max_occupancy": num,
        },
    }
    out = {}
    for name, cols in specs.items():
        frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
        frame["forecast_origin"] = pd.Series(dtype="datetime64[us]").dt.date
        out[name] = frame
    return out
