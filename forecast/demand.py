"""Contact-centre demand forecast: daily contacts and calls for 8 weeks, half-hourly calls for 2.

Two models per series, chosen by rolling-origin back-testing (docs/forecast.md):

- `seasonal_naive`, the baseline: the same day (half-hour) of the last observed week, repeated,
  bank holidays aside (a normal weekday never repeats one; one in the horizon is history's mean).
- `calendar_regression`: least squares on log(1 + y) with a constant, a linear trend, day-of-week
  dummies and annual Fourier terms (statsmodels' DeterministicProcess and CalendarFourier), bank
  holiday and Christmas-week indicators (bank holidays from the calendar of dim_date), plus a local level: the
  exponentially weighted mean of the recent residuals, as exponential smoothing's level would;
  back-transformed to the mean (not the median) by Duan's smearing estimator.
  Every series shares the calendar, so one `lstsq` fits all series of an origin at once.

Why not Holt-Winters (statsmodels ExponentialSmoothing): measured 0.15-1.3 s a fit on this
machine, times ~70 series and 4 origins, it alone would exceed the 30 s budget; its seasonal
state cannot hold an annual season from two years of data either.

Half-hourly calls are the daily calls forecast spread by each service's weekday x half-hour
profile of the last weeks (the usual workforce-planning method), against the baseline of the
same half-hour a week earlier. Prediction intervals are empirical: quantiles of the log errors
of the chosen model on the back-test (in-sample residuals while no back-test exists).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.deterministic import CalendarFourier, DeterministicProcess

BASELINE = "seasonal_naive"
REGRESSION = "calendar_regression"
SLOTS_PER_DAY = 48
WEEK = 7


class ForecastInputError(ValueError):
    """The history cannot be forecast (missing columns, negative counts, too short)."""


@dataclass(frozen=True)
class ForecastSettings:
    """Horizons, back-test and model settings (defaults: docs/forecast.md)."""

    daily_horizon_days: int = 56
    half_hourly_horizon_days: int = 14
    backtest_origins: int = 3  # 8-week origins, every backtest_step_days back from the last day
    backtest_step_days: int = 28
    min_history_days: int = 28  # a back-test origin's least training (none: the baseline only)
    annual_min_history_days: int = 400  # annual terms need more than a year to be identifiable
    fourier_order: int = 6
    level_halflife_days: float = 7.0
    profile_weeks: int = 8  # the intraday profile and the measured handling time
    interval_coverage: float = 0.80

    def __post_init__(self) -> None:
        if not (0 < self.interval_coverage < 1):
            raise ValueError(f"interval_coverage must be in (0, 1), got {self.interval_coverage}")
        if self.half_hourly_horizon_days > self.daily_horizon_days:
            raise ValueError("half_hourly_horizon_days cannot exceed daily_horizon_days")
        for name in ("daily_horizon_days", "backtest_step_days", "min_history_days", "profile_weeks"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


DEFAULT_SETTINGS = ForecastSettings()


@dataclass
class Series:
    """A panel of daily counts: one column per series, one row per day (no gaps)."""

    dates: pd.DatetimeIndex
    values: np.ndarray  # days x series, float
    keys: pd.DataFrame  # one row per series: measure, service, channel


def daily_panel(daily: pd.DataFrame) -> Series:
    """Pivot long daily counts (day, measure, service, channel, n) to a gap-free panel (0 when absent)."""
    need = {"day", "measure", "service", "channel", "n"}
    if missing := need - set(daily.columns):
        raise ForecastInputError(f"daily history lacks columns {sorted(missing)}")
    if daily.empty:
        raise ForecastInputError("no daily history to forecast from")
    if (daily["n"] < 0).any() or daily["n"].isna().any():
        raise ForecastInputError("daily counts must be non-negative and not null")
    frame = daily.assign(day=pd.to_datetime(daily["day"]))
    wide = frame.pivot_table(
        index="day", columns=["measure", "service", "channel"], values="n", aggfunc="sum", fill_value=0
    )
    dates = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
    wide = wide.reindex(dates, fill_value=0)
    keys = wide.columns.to_frame(index=False)
    return Series(dates, wide.to_numpy(float), keys)


def calendar_design(
    dates: pd.DatetimeIndex, holidays: set[pd.Timestamp], settings: ForecastSettings, annual: bool
) -> np.ndarray:
    """The shared regressors of every daily series over `dates` (history and horizon together)."""
    index = pd.DatetimeIndex(dates, freq="D")
    terms = [CalendarFourier("YE", settings.fourier_order)] if annual else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns about the index frequency name only
        det = DeterministicProcess(
            index, constant=True, order=1, seasonal=True, period=WEEK, additional_terms=terms
        ).in_sample()
    x = det.to_numpy(float)
    x[:, 1] /= 365.25  # trend in years: keeps the design well conditioned
    holiday = index.isin(list(holidays))
    md = index.month * 100 + index.day
    christmas = ((md >= 1224) | (md <= 101)) & ~holiday  # the quiet days between the bank holidays
    return np.column_stack([x, holiday, christmas]).astype(float)


def seasonal_naive(
    history: np.ndarray, dates: pd.DatetimeIndex, horizon: int, holidays: set[pd.Timestamp]
) -> np.ndarray:
    """The baseline: each day of the horizon repeats the latest day of history on its weekday.

    Bank holidays (the centre is closed or quiet) break the plain weekly repeat, so neither side
    uses them as a normal day: the weekday comes from the latest week without a bank holiday on it,
    and a bank holiday in the horizon is the mean of history's bank holidays (0 when none is seen).
    `history` has one row per day of `dates` (needs 7 at least); further axes (the half-hours of
    the day, the series) are carried through, so every feed's baseline uses this one rule.
    """
    days = pd.DatetimeIndex(dates[: len(history)])
    off = days.isin(list(holidays))
    future = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    out = np.empty((horizon, *history.shape[1:]))
    for weekday in range(WEEK):
        same = np.flatnonzero(days.weekday == weekday)
        normal = same[~off[same]]
        out[future.weekday == weekday] = history[normal[-1] if len(normal) else same[-1]]
    closed = future.isin(list(holidays))
    out[closed] = history[off].mean(axis=0) if off.any() else 0.0
    return out


def regression(
    history: np.ndarray, design_train: np.ndarray, design_test: np.ndarray, halflife: float
) -> tuple[np.ndarray, np.ndarray]:
    """Fit every column of `history` on the shared design; return forecasts and in-sample log residuals.

    expm1 of the fitted log is about the median, below the mean that Erlang C needs (far below at
    low counts); Duan's smearing estimator restores the mean: E[1 + y] = exp(fit) * mean(exp(resid)).
    """
    y = np.log1p(history)
    coef, *_ = np.linalg.lstsq(design_train, y, rcond=None)
    resid = y - design_train @ coef
    weights = 0.5 ** (np.arange(len(resid))[::-1] / halflife)
    level = (weights[:, None] * resid).sum(axis=0) / weights.sum()
    smearing = np.exp(resid).mean(axis=0)
    fitted = design_test @ coef + level
    return np.maximum(np.exp(fitted) * smearing - 1.0, 0.0), resid


def scale_mae(history: np.ndarray, season: int) -> np.ndarray:
    """In-sample mean absolute error of the seasonal-naive forecast (MASE's denominator)."""
    if len(history) <= season:
        return np.full(history.shape[1], np.nan)
    return np.abs(history[season:] - history[:-season]).mean(axis=0)


def errors(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> dict[str, np.ndarray]:
    """MAE, MAPE (over points with actual > 0) and MASE per column."""
    abs_err = np.abs(actual - forecast)
    mae = abs_err.mean(axis=0)
    positive = actual > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(positive, abs_err / np.where(positive, actual, 1), 0)
        mape = pct.sum(axis=0) / positive.sum(axis=0)  # NaN where no actual is positive
        mase = np.where(scale > 0, mae / scale, np.nan)
    return {"mae": mae, "mape": mape, "mase": mase}


@dataclass
class DailyResult:
    forecast: pd.DataFrame  # day, measure, service, channel, model, forecast, lower, upper
    accuracy: pd.DataFrame  # per series and evaluation window
    chosen: pd.Series  # model per series (index: series position)
    daily_forecast_matrix: np.ndarray  # horizon x series, of the chosen model


def _origins(n_days: int, settings: ForecastSettings) -> list[int]:
    """Training lengths of the 8-week back-test origins that leave min_history_days to train on."""
    out = []
    for k in range(settings.backtest_origins):
        train = n_days - settings.daily_horizon_days - k * settings.backtest_step_days
        if train >= settings.min_history_days:
            out.append(train)
    return out


def _annual(n_train: int, settings: ForecastSettings) -> bool:
    return n_train >= settings.annual_min_history_days


def _run_models(
    panel: Series,
    design: np.ndarray,
    holidays: set[pd.Timestamp],
    n_train: int,
    horizon: int,
    settings: ForecastSettings,
) -> dict[str, np.ndarray]:
    hist = panel.values[:n_train]
    out = {BASELINE: seasonal_naive(hist, panel.dates, horizon, holidays)}
    if n_train >= settings.min_history_days:
        cols = _design_columns(design, n_train, settings)
        out[REGRESSION], _ = regression(
            hist, cols[:n_train], cols[n_train : n_train + horizon], settings.level_halflife_days
        )
    return out


def _design_columns(design: np.ndarray, n_train: int, settings: ForecastSettings) -> np.ndarray:
    """Drop the annual Fourier columns when the training window is shorter than the setting."""
    if _annual(n_train, settings):
        return design
    n_fourier = 2 * settings.fourier_order
    return np.delete(design, np.s_[-2 - n_fourier : -2], axis=1)


def forecast_daily(
    panel: Series, holidays: set[pd.Timestamp], settings: ForecastSettings = DEFAULT_SETTINGS
) -> DailyResult:
    """Back-test both models, choose per series, forecast the daily horizon with intervals."""
    n, k = panel.values.shape
    if n < 2 * WEEK:
        raise ForecastInputError(f"at least {2 * WEEK} days of history are needed, got {n}")
    h = settings.daily_horizon_days
    all_dates = pd.date_range(panel.dates[0], periods=n + h, freq="D")
    design = calendar_design(all_dates, holidays, settings, annual=True)

    # rolling-origin back-test over 8-week horizons
    log_err: dict[str, list[np.ndarray]] = {BASELINE: [], REGRESSION: []}
    backtest: dict[str, list[dict[str, np.ndarray]]] = {BASELINE: [], REGRESSION: []}
    for n_train in _origins(n, settings):
        actual = panel.values[n_train : n_train + h]
        scale = scale_mae(panel.values[:n_train], WEEK)
        for model, fc in _run_models(panel, design, holidays, n_train, h, settings).items():
            backtest[model].append(errors(actual, fc, scale) | {"n": np.full(k, len(actual))})
            log_err[model].append(np.log1p(actual) - np.log1p(fc))

    mean_mase = {m: _mean_metric(backtest[m], "mase", k) for m in backtest}
    use_reg = np.isfinite(mean_mase[REGRESSION]) & (
        ~np.isfinite(mean_mase[BASELINE]) | (mean_mase[REGRESSION] < mean_mase[BASELINE])
    )
    chosen = pd.Series(np.where(use_reg, REGRESSION, BASELINE))

    # last week's forecast: the one the method made seven days before the last day
    last_week = {}
    if n - WEEK >= 2 * WEEK:
        actual = panel.values[n - WEEK :]
        scale = scale_mae(panel.values[: n - WEEK], WEEK)
        for model, fc in _run_models(panel, design, holidays, n - WEEK, WEEK, settings).items():
            last_week[model] = errors(actual, fc, scale) | {"n": np.full(k, WEEK)}

    # the forecast itself
    final = _run_models(panel, design, holidays, n, h, settings)
    matrix = np.where(use_reg[None, :], final.get(REGRESSION, final[BASELINE]), final[BASELINE])
    lower, upper = _intervals(matrix, chosen, log_err, panel, design, settings)

    future = pd.date_range(panel.dates[-1] + pd.Timedelta(days=1), periods=h, freq="D")
    frame = _long(future, panel.keys, chosen, matrix, lower, upper)
    accuracy = _accuracy_frame(panel.keys, chosen, backtest, last_week, "day")
    return DailyResult(frame, accuracy, chosen, matrix)


def _mean_metric(rows: list[dict[str, np.ndarray]], name: str, k: int) -> np.ndarray:
    if not rows:
        return np.full(k, np.nan)
    stack = np.vstack([r[name] for r in rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        return np.nanmean(stack, axis=0)


def _intervals(
    matrix: np.ndarray,
    chosen: pd.Series,
    log_err: dict[str, list[np.ndarray]],
    panel: Series,
    design: np.ndarray,
    settings: ForecastSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical intervals on the log scale: back-test error quantiles of the chosen model per series."""
    alpha = (1 - settings.interval_coverage) / 2
    k = matrix.shape[1]
    lo_q, hi_q = np.zeros(k), np.zeros(k)
    for j in range(k):
        errs = log_err[chosen.iloc[j]]
        if errs:
            e = np.concatenate([x[:, j] for x in errs])
        else:  # no back-test yet: in-sample one-week-ahead errors of the baseline
            hist = np.log1p(panel.values[:, j])
            e = hist[WEEK:] - hist[:-WEEK]
        lo_q[j], hi_q[j] = np.quantile(e, [alpha, 1 - alpha])
    return bounded_interval(matrix, lo_q, hi_q)


def bounded_interval(
    forecast: np.ndarray, lo_q: np.ndarray, hi_q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Interval ends on the log scale around `forecast`, never excluding it (expm1(log1p(x)) can
    round below x) and never below 0."""
    log_fc = np.log1p(forecast)
    lower = np.clip(np.expm1(log_fc + np.minimum(lo_q, 0)), 0.0, forecast)
    upper = np.maximum(np.expm1(log_fc + np.maximum(hi_q, 0)), forecast)
    return lower, upper


def _long(
    periods: pd.DatetimeIndex,
    keys: pd.DataFrame,
    chosen: pd.Series,
    matrix: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> pd.DataFrame:
    h, k = matrix.shape
    frame = keys.loc[np.tile(np.arange(k), h)].reset_index(drop=True)
    frame.insert(0, "period_start", np.repeat(periods.to_numpy(), k))
    frame["model"] = chosen.to_numpy()[np.tile(np.arange(k), h)]
    frame["forecast"] = matrix.ravel()
    frame["lower"] = lower.ravel()
    frame["upper"] = upper.ravel()
    return frame


def _accuracy_frame(
    keys: pd.DataFrame,
    chosen: pd.Series,
    backtest: dict[str, list[dict[str, np.ndarray]]],
    last_week: dict[str, dict[str, np.ndarray]],
    granularity: str,
) -> pd.DataFrame:
    """One row per series and evaluation window: the chosen model's and the baseline's errors."""
    k = len(keys)
    rows = []
    windows = {
        "backtest": {m: {n: _mean_metric(v, n, k) for n in ("mape", "mase")} for m, v in backtest.items()},
        "last_week": last_week,
    }
    origins = len(backtest[BASELINE])
    for window, metrics in windows.items():
        if window == "backtest" and origins == 0 or not metrics:
            continue
        frame = keys.copy()
        frame["granularity"] = granularity
        frame["evaluation"] = window
        frame["model"] = chosen.to_numpy()
        frame["origins"] = origins if window == "backtest" else 1
        pick = chosen.to_numpy() == REGRESSION
        reg = metrics.get(REGRESSION, metrics[BASELINE])
        for name in ("mape", "mase"):
            frame[name] = np.where(pick, reg[name], metrics[BASELINE][name])
            frame[f"baseline_{name}"] = metrics[BASELINE][name]
        rows.append(frame)
    if not rows:
        return pd.DataFrame()
    return pd.concat(rows, ignore_index=True)
