"""A synthetic contact-centre history with known patterns (weekday, annual season, bank holidays)."""

import numpy as np
import pandas as pd

WEEKDAY = np.array([1.35, 1.1, 1.0, 1.0, 0.9, 0.25, 0.1])
PROFILE = np.array(
    [0] * 16 + [6, 6, 10, 10, 11, 11, 7, 7, 8, 8, 9, 9, 8, 8, 7, 7, 6, 6, 4, 4] + [0] * 12, float
)
HOLIDAYS = pd.to_datetime(
    ["2023-04-07", "2023-04-10", "2023-05-01", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"]
    + ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25"]
)


def make_history(
    days: int = 730, seed: int = 1, end: str = "2024-12-20"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily contacts (two services x two channels) and calls, and the calls by half-hour."""
    r = np.random.default_rng(seed)
    dates = pd.date_range(end=end, periods=days, freq="D")
    season = 1 + 0.3 * np.sin(2 * np.pi * dates.day_of_year.to_numpy() / 365.25)
    quiet = np.where(dates.isin(HOLIDAYS), 0.12, 1.0)
    rows, half = [], []
    for service, base in (("Highways", 300.0), ("Libraries", 30.0)):
        lam = base * WEEKDAY[dates.day_of_week.to_numpy()] * season * quiet
        for channel in ("Phone", "Email"):
            rows.append(
                pd.DataFrame(
                    {
                        "day": dates,
                        "measure": "contacts",
                        "service": service,
                        "channel": channel,
                        "n": r.poisson(lam),
                    }
                )
            )
        calls = r.poisson(lam)
        rows.append(
            pd.DataFrame(
                {"day": dates, "measure": "calls", "service": service, "channel": "Phone", "n": calls}
            )
        )
        split = np.vstack([r.multinomial(n, PROFILE / PROFILE.sum()) for n in calls])
        d, s = np.nonzero(split)
        half.append(
            pd.DataFrame(
                {
                    "interval_start": dates[d] + pd.to_timedelta(s * 30, unit="min"),
                    "service": service,
                    "calls": split[d, s],
                    "calls_answered": split[d, s],
                    "handling_time_s": split[d, s] * (300 if service == "Highways" else 200),
                }
            )
        )
    daily = pd.concat(rows, ignore_index=True)
    daily = daily[daily["n"] > 0]  # the dbt model has no rows for days without contacts
    return daily.reset_index(drop=True), pd.concat(half, ignore_index=True)
