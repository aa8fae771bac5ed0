"""Half-hourly calls: the daily calls forecast spread by each service's weekday x half-hour profile.

The profile is the share of a weekday's calls in each half-hour over the last `profile_weeks`
weeks (bank holidays left out), the usual workforce-planning method; the baseline is the same
half-hour a week earlier, bank holidays handled as the daily baseline does (demand.seasonal_naive).
The measured handling time (AHT) is the mean over the same weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.demand import (
    BASELINE,
    DEFAULT_SETTINGS,
    REGRESSION,
    SLOTS_PER_DAY,
    WEEK,
    DailyResult,
    ForecastInputError,
    ForecastSettings,
    Series,
    _accuracy_frame,
    _origins,
    _run_models,
    bounded_interval,
    calendar_design,
    errors,
    scale_mae,
    seasonal_naive,
)

PROFILE_SUFFIX = "+profile"  # the half-hourly model: the daily model's calls times the profile
MIN_CALLS_FOR_AHT = 30  # fewer answered calls in the window: the whole centre's AHT is used


def half_hour_panel(calls: pd.DataFrame, dates: pd.DatetimeIndex, services: list[str]) -> np.ndarray:
    """Offered calls as days x 48 x services (0 where none), over the daily panel's dates."""
    need = {"interval_start", "service", "calls"}
    if missing := need - set(calls.columns):
        raise ForecastInputError(f"half-hourly history lacks columns {sorted(missing)}")
    start = pd.to_datetime(calls["interval_start"])
    day = (start.dt.normalize() - dates[0]).dt.days.to_numpy()
    slot = (start.dt.hour * 2 + start.dt.minute // 30).to_numpy()
    svc = pd.Categorical(calls["service"], categories=services).codes
    keep = (day >= 0) & (day < len(dates)) & (svc >= 0)
    out = np.zeros((len(dates), SLOTS_PER_DAY, len(services)))
    np.add.at(out, (day[keep], slot[keep], svc[keep]), calls["calls"].to_numpy(float)[keep])
    return out


def profile(cube: np.ndarray, dates: pd.DatetimeIndex, holidays: set[pd.Timestamp], weeks: int) -> np.ndarray:
    """Share of each weekday's calls by half-hour per service (7 x 48 x services)."""
    recent = slice(max(0, len(dates) - weeks * WEEK), len(dates))
    weekday = dates[recent].day_of_week.to_numpy()
    normal = ~dates[recent].isin(list(holidays))
    out = np.zeros((WEEK, SLOTS_PER_DAY, cube.shape[2]))
    np.add.at(out, weekday[normal], cube[recent][normal])
    # A weekday a queue had no calls on takes the queue's all-week shape, then the centre's shape
    # of that weekday, then a flat day: never calls in the night for a queue that closes.
    fallbacks = [
        np.broadcast_to(out.sum(axis=0, keepdims=True), out.shape),
        np.broadcast_to(out.sum(axis=2, keepdims=True), out.shape),
        np.ones_like(out),
    ]
    shape = out
    for fallback in fallbacks:
        seen = shape.sum(axis=1, keepdims=True) > 0
        shape = np.where(seen, shape, fallback)
    return shape / shape.sum(axis=1, keepdims=True)


def spread(daily: np.ndarray, first_day: pd.Timestamp, shares: np.ndarray) -> np.ndarray:
    """Daily totals (days x services) times the weekday profile -> (days*48) x services."""
    days = pd.date_range(first_day, periods=len(daily), freq="D")
    cube = daily[:, None, :] * shares[days.day_of_week.to_numpy()]
    return cube.reshape(-1, daily.shape[1])


def handling_time(aht: pd.DataFrame, services: list[str], last_day: pd.Timestamp, weeks: int) -> pd.Series:
    """Mean handling time (s) per service over the last `weeks` weeks of answered calls."""
    need = {"day", "service", "answered", "handling_s"}
    if missing := need - set(aht.columns):
        raise ForecastInputError(f"handling-time history lacks columns {sorted(missing)}")
    recent = aht[pd.to_datetime(aht["day"]) > last_day - pd.Timedelta(weeks=weeks)]
    sums = recent.groupby("service")[["answered", "handling_s"]].sum().reindex(services, fill_value=0)
    overall = sums.sum()
    if overall["answered"] == 0:
        raise ForecastInputError(
            f"no answered calls in the last {weeks} weeks: no handling time to staff with"
        )
    centre = overall["handling_s"] / overall["answered"]
    own = sums["handling_s"] / sums["answered"].where(sums["answered"] > 0)
    return own.where(sums["answered"] >= MIN_CALLS_FOR_AHT, centre).astype(float)


def forecast_half_hourly(
    panel: Series,
    daily: DailyResult,
    calls: pd.DataFrame,
    holidays: set[pd.Timestamp],
    settings: ForecastSettings = DEFAULT_SETTINGS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Half-hourly calls for the next `half_hourly_horizon_days`, and their back-test accuracy."""
    is_calls = (panel.keys["measure"] == "calls").to_numpy()
    if not is_calls.any():
        raise ForecastInputError("no calls series in the daily history")
    cols = np.flatnonzero(is_calls)
    services = panel.keys.loc[cols, "service"].tolist()
    cube = half_hour_panel(calls, panel.dates, services)
    n = len(panel.dates)
    h = settings.half_hourly_horizon_days
    flat = cube.reshape(-1, len(services))
    chosen = daily.chosen.iloc[cols].reset_index(drop=True)
    design = calendar_design(
        pd.date_range(panel.dates[0], periods=n + settings.daily_horizon_days, freq="D"),
        holidays,
        settings,
        annual=True,
    )

    def models_at(n_train: int, horizon: int) -> dict[str, np.ndarray]:
        sub = Series(panel.dates, panel.values[:, cols], panel.keys.loc[cols])
        by_day = _run_models(sub, design, holidays, n_train, horizon, settings)
        day_fc = np.where(
            (chosen == REGRESSION).to_numpy()[None, :],
            by_day.get(REGRESSION, by_day[BASELINE]),
            by_day[BASELINE],
        )
        shares = profile(cube[:n_train], panel.dates[:n_train], holidays, settings.profile_weeks)
        return {
            REGRESSION: spread(day_fc, panel.dates[n_train], shares),
            BASELINE: seasonal_naive(cube[:n_train], panel.dates, horizon, holidays).reshape(
                horizon * SLOTS_PER_DAY, -1
            ),
        }

    season = WEEK * SLOTS_PER_DAY
    backtest: dict[str, list[dict[str, np.ndarray]]] = {BASELINE: [], REGRESSION: []}
    log_err: list[np.ndarray] = []
    for n_train in _origins(n, settings):
        if n_train < 2 * WEEK:
            continue
        actual = flat[n_train * SLOTS_PER_DAY : (n_train + h) * SLOTS_PER_DAY]
        scale = scale_mae(flat[: n_train * SLOTS_PER_DAY], season)
        for model, fc in models_at(n_train, h).items():
            backtest[model].append(errors(actual, fc, scale))
            if model == REGRESSION:
                log_err.append(np.log1p(actual) - np.log1p(fc))
    last_week = {}
    if n - WEEK >= 2 * WEEK:
        actual = flat[(n - WEEK) * SLOTS_PER_DAY :]
        scale = scale_mae(flat[: (n - WEEK) * SLOTS_PER_DAY], season)
        last_week = {m: errors(actual, fc, scale) for m, fc in models_at(n - WEEK, WEEK).items()}

    # the profile method is the half-hourly model; it is scored against the baseline, not switched
    profile_model = pd.Series([REGRESSION] * len(services))
    keys = panel.keys.loc[cols].reset_index(drop=True)
    accuracy = _accuracy_frame(keys, profile_model, backtest, last_week, "half_hour")
    label = (chosen + PROFILE_SUFFIX).to_numpy()
    if not accuracy.empty:
        accuracy["model"] = np.tile(label, len(accuracy) // len(label))

    shares = profile(cube, panel.dates, holidays, settings.profile_weeks)
    fc = spread(daily.daily_forecast_matrix[:h, cols], panel.dates[-1] + pd.Timedelta(days=1), shares)
    alpha = (1 - settings.interval_coverage) / 2
    if log_err:
        e = np.concatenate(log_err)
        lo_q, hi_q = np.quantile(e, alpha, axis=0), np.quantile(e, 1 - alpha, axis=0)
    else:
        hist = np.log1p(flat)
        e = hist[season:] - hist[:-season]
        lo_q, hi_q = np.quantile(e, alpha, axis=0), np.quantile(e, 1 - alpha, axis=0)
    lower, upper = bounded_interval(fc, lo_q, hi_q)
    starts = pd.date_range(panel.dates[-1] + pd.Timedelta(days=1), periods=h * SLOTS_PER_DAY, freq="30min")
    k = len(services)
    frame = keys.loc[np.tile(np.arange(k), len(starts))].reset_index(drop=True)
    frame.insert(0, "period_start", np.repeat(starts.to_numpy(), k))
    frame["model"] = np.tile(label, len(starts))
    frame["forecast"] = fc.ravel()
    frame["lower"] = lower.ravel()
    frame["upper"] = upper.ravel()
    return frame, accuracy
