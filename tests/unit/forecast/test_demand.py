"""The demand forecast on a synthetic history with known patterns (forecast/demand.py, intraday.py)."""

import numpy as np
import pandas as pd
import pytest
from forecast_history import HOLIDAYS, make_history

from forecast.demand import (
    BASELINE,
    DEFAULT_SETTINGS,
    REGRESSION,
    ForecastInputError,
    ForecastSettings,
    bounded_interval,
    calendar_design,
    daily_panel,
    errors,
    forecast_daily,
    regression,
    seasonal_naive,
)
from forecast.intraday import forecast_half_hourly, handling_time, profile

HOL = set(HOLIDAYS)


@pytest.fixture(scope="module")
def daily_result(history):
    panel = daily_panel(history[0])
    return panel, forecast_daily(panel, HOL)


def test_the_regression_beats_the_baseline_on_the_back_test(daily_result):
    """Weekly + annual season and bank holidays: the calendar model's MASE < 1 and below the baseline's."""
    _, result = daily_result
    acc = result.accuracy[result.accuracy["evaluation"] == "backtest"]
    big = acc[acc["service"] == "Highways"]
    assert (big["model"] == REGRESSION).all()
    assert (big["mase"] < 1).all()
    assert (big["mase"] < big["baseline_mase"]).all()
    assert (acc["origins"] == 3).all()


def test_forecast_covers_eight_weeks_of_every_series_with_ordered_intervals(daily_result):
    panel, result = daily_result
    fc = result.forecast
    assert len(fc) == 56 * len(panel.keys)
    assert fc["period_start"].min() == panel.dates[-1] + pd.Timedelta(days=1)
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["forecast"] <= fc["upper"]).all()
    assert (fc["lower"] >= 0).all()


def test_christmas_and_bank_holidays_are_forecast_quiet(daily_result):
    """25 December 2024 is in the horizon: the forecast there is far below a normal Wednesday."""
    _, result = daily_result
    fc = result.forecast
    hw = fc[(fc["service"] == "Highways") & (fc["measure"] == "calls")].set_index("period_start")["forecast"]
    assert hw[pd.Timestamp("2024-12-25")] < 0.3 * hw[pd.Timestamp("2025-01-08")]
    assert hw[pd.Timestamp("2025-01-06")] > hw[pd.Timestamp("2025-01-10")]  # Monday peak over Friday


def test_intervals_cover_about_their_share_on_a_later_period():
    """Fit on 23 months, score the next 8 weeks: the 80 % intervals hold 60-97 % of the actuals."""
    daily, _ = make_history(days=730 + 56, seed=7, end="2025-02-14")
    panel = daily_panel(daily)
    cut = len(panel.dates) - 56
    train = panel.__class__(panel.dates[:cut], panel.values[:cut], panel.keys)
    result = forecast_daily(train, HOL)
    actual = panel.values[cut:]
    inside = (actual >= result_matrix(result, "lower", train)) & (
        actual <= result_matrix(result, "upper", train)
    )
    assert 0.6 <= inside.mean() <= 0.97


def result_matrix(result, column, panel):
    return result.forecast[column].to_numpy().reshape(-1, len(panel.keys))


def test_a_short_history_uses_the_baseline_and_has_no_back_test():
    daily, _ = make_history(days=40)
    result = forecast_daily(daily_panel(daily), HOL)
    assert set(result.chosen) == {BASELINE}
    assert set(result.accuracy["evaluation"]) == {"last_week"}


def test_too_little_history_is_refused():
    daily, _ = make_history(days=10)
    with pytest.raises(ForecastInputError, match="at least 14 days"):
        forecast_daily(daily_panel(daily), HOL)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"day": [], "measure": [], "service": [], "channel": [], "n": []}), "no daily history"),
        (pd.DataFrame({"day": ["2024-01-01"], "service": ["x"]}), "lacks columns"),
        (
            pd.DataFrame(
                {
                    "day": ["2024-01-01"],
                    "measure": ["calls"],
                    "service": ["x"],
                    "channel": ["Phone"],
                    "n": [-1],
                }
            ),
            "non-negative",
        ),
    ],
)
def test_bad_history_is_refused(frame, message):
    with pytest.raises(ForecastInputError, match=message):
        daily_panel(frame)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="interval_coverage"):
        ForecastSettings(interval_coverage=1.0)
    with pytest.raises(ValueError, match="cannot exceed"):
        ForecastSettings(half_hourly_horizon_days=60)


def test_seasonal_naive_repeats_the_last_week_and_errors_follow_their_definitions():
    hist = np.arange(14, dtype=float)[:, None]
    dates = pd.date_range("2024-06-03", periods=14, freq="D")
    assert seasonal_naive(hist, dates, 10, set())[:, 0].tolist() == [7, 8, 9, 10, 11, 12, 13, 7, 8, 9]
    got = errors(np.array([[2.0], [0.0]]), np.array([[1.0], [1.0]]), np.array([0.5]))
    assert got["mae"][0] == 1.0 and got["mape"][0] == 0.5 and got["mase"][0] == 2.0


def test_the_baseline_skips_bank_holidays_and_forecasts_them_from_history():
    dates = pd.date_range("2024-05-07", periods=20, freq="D")  # Tue 7 May - Sun 26 May 2024
    hist = np.column_stack([np.arange(20, dtype=float), np.arange(20, dtype=float) * 10])
    # no bank holiday seen yet: Whit Monday 27 May, the first day of the horizon, is closed (0)
    assert seasonal_naive(hist, dates, 8, HOL)[:, 0].tolist() == [0, 14, 15, 16, 17, 18, 19, 13]
    # Monday 20 May a bank holiday: Mondays repeat 13 May, and a horizon holiday is 20 May's value
    hol = HOL | {pd.Timestamp("2024-05-20")}
    got = seasonal_naive(hist, dates, 8, hol)
    assert got[:, 0].tolist() == [13, 14, 15, 16, 17, 18, 19, 6]
    assert got[0, 1] == 130 and got[7, 1] == 60
    # the same rule on a days x half-hours x series cube
    cube = np.repeat(hist[:, None, :], 3, axis=1)
    assert np.array_equal(seasonal_naive(cube, dates, 8, hol), np.repeat(got[:, None, :], 3, axis=1))


def test_half_hourly_calls_follow_the_profile_and_sum_to_the_daily_forecast(history, daily_result):
    panel, result = daily_result
    fc, acc = forecast_half_hourly(panel, result, history[1], HOL)
    assert len(fc) == 14 * 48 * 2
    hw = fc[fc["service"] == "Highways"]
    day_total = hw.groupby(hw["period_start"].dt.normalize())["forecast"].sum()
    daily_fc = result.forecast[
        (result.forecast["measure"] == "calls") & (result.forecast["service"] == "Highways")
    ]
    expected = daily_fc.set_index("period_start")["forecast"].iloc[:14]
    assert np.allclose(day_total.to_numpy(), expected.to_numpy())
    assert hw[hw["period_start"].dt.hour < 8]["forecast"].sum() == 0  # closed before 08:00
    noon = hw[hw["period_start"].dt.hour == 12]["forecast"].mean()
    late_morning = hw[hw["period_start"].dt.hour == 10]["forecast"].mean()
    assert noon < late_morning  # the lunchtime dip
    back = acc[(acc["evaluation"] == "backtest") & (acc["service"] == "Highways")]
    assert (back["mase"] < back["baseline_mase"]).all()


def test_handling_time_falls_back_to_the_centre_when_a_queue_is_quiet(history):
    hh = history[1].rename(columns={"calls_answered": "answered", "handling_time_s": "handling_s"})
    hh = hh.assign(day=hh["interval_start"].dt.normalize())
    aht = handling_time(hh, ["Highways", "Libraries", "Trading Standards"], hh["day"].max(), 8)
    assert aht["Highways"] == pytest.approx(300) and aht["Libraries"] == pytest.approx(200)
    assert 200 < aht["Trading Standards"] < 300
    with pytest.raises(ForecastInputError, match="no answered calls"):
        handling_time(hh.assign(answered=0), ["Highways"], hh["day"].max(), 8)


def test_interval_ends_never_exclude_the_forecast_after_rounding():
    """expm1(log1p(x)) rounds below x for some x: the ends are clipped to the forecast itself."""
    fc = np.array([0.1, 0.3, 0.7, 1e-9, 0.0, 123.456])
    lower, upper = bounded_interval(fc, np.zeros(6), np.zeros(6))
    assert (lower <= fc).all() and (fc <= upper).all() and (lower >= 0).all()


def test_a_weekday_without_calls_borrows_a_shape_and_never_opens_at_night():
    """Queue 1 never had Sunday calls: its Sunday profile is its own week's shape (09:00-12:00)."""
    dates = pd.date_range("2024-06-03", periods=14, freq="D")  # Monday to Sunday twice
    cube = np.zeros((14, 48, 2))
    cube[:, 20:24, 0] = 1.0  # queue 0: 10:00-12:00 every day
    cube[dates.day_of_week < 6, 18:24, 1] = 2.0  # queue 1: 09:00-12:00, never on Sunday
    shares = profile(cube, dates, set(), weeks=2)
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert shares[6, :18, 1].sum() == 0 and shares[6, 24:, 1].sum() == 0
    assert np.allclose(shares[6, 18:24, 1], 1 / 6)


@pytest.mark.parametrize("mean", [2.0, 4.0])
def test_the_regression_forecasts_the_mean_of_a_poisson_series_not_its_median(mean):
    """Erlang C needs the mean arrival rate: on Poisson counts with a weekly shape and a known mean,
    the forecast's mean over the horizon is within 4 % of it (plain expm1 gave 18 % and 9 % low)."""
    n, h, k = 364, 56, 40
    dates = pd.date_range("2024-01-01", periods=n + h, freq="D")
    shape = np.array([1.4, 1.1, 1.0, 1.0, 0.9, 0.8, 0.8])  # Monday peak; averages 1 over a week
    rate = mean * shape[dates.day_of_week]
    y = np.random.default_rng(21).poisson(rate[:n, None], (n, k)).astype(float)
    x = calendar_design(dates, set(), DEFAULT_SETTINGS, annual=False)
    fc, _ = regression(y, x[:n], x[n:], DEFAULT_SETTINGS.level_halflife_days)
    assert fc.mean() == pytest.approx(rate[n:].mean(), rel=0.04)
