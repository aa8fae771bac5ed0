"""Calendar facts the simulated council lives by: horizon, bank holidays, fiscal periods, formats."""

from __future__ import annotations

import datetime as dt

import numpy as np

# The world is generated over this fixed horizon, whatever dates a call writes, so that
# consecutive calls continue the same world.
HORIZON_START = np.datetime64("2018-04-01", "D")
HORIZON_END = np.datetime64("2028-03-31", "D")
OPEN_END = np.datetime64("9999-12-31", "D")

# England and Wales bank holidays (gov.uk), 2018-2028.
BANK_HOLIDAYS = np.array(
    [
        "2018-01-01",
        "2018-03-30",
        "2018-04-02",
        "2018-05-07",
        "2018-05-28",
        "2018-08-27",
        "2018-12-25",
        "2018-12-26",
        "2019-01-01",
        "2019-04-19",
        "2019-04-22",
        "2019-05-06",
        "2019-05-27",
        "2019-08-26",
        "2019-12-25",
        "2019-12-26",
        "2020-01-01",
        "2020-04-10",
        "2020-04-13",
        "2020-05-08",
        "2020-05-25",
        "2020-08-31",
        "2020-12-25",
        "2020-12-28",
        "2021-01-01",
        "2021-04-02",
        "2021-04-05",
        "2021-05-03",
        "2021-05-31",
        "2021-08-30",
        "2021-12-27",
        "2021-12-28",
        "2022-01-03",
        "2022-04-15",
        "2022-04-18",
        "2022-05-02",
        "2022-06-02",
        "2022-06-03",
        "2022-08-29",
        "2022-09-19",
        "2022-12-26",
        "2022-12-27",
        "2023-01-02",
        "2023-04-07",
        "2023-04-10",
        "2023-05-01",
        "2023-05-08",
        "2023-05-29",
        "2023-08-28",
        "2023-12-25",
        "2023-12-26",
        "2024-01-01",
        "2024-03-29",
        "2024-04-01",
        "2024-05-06",
        "2024-05-27",
        "2024-08-26",
        "2024-12-25",
        "2024-12-26",
        "2025-01-01",
        "2025-04-18",
        "2025-04-21",
        "2025-05-05",
        "2025-05-26",
        "2025-08-25",
        "2025-12-25",
        "2025-12-26",
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",
        "2027-01-01",
        "2027-03-26",
        "2027-03-29",
        "2027-05-03",
        "2027-05-31",
        "2027-08-30",
        "2027-12-27",
        "2027-12-28",
        "2028-01-03",
        "2028-04-14",
        "2028-04-17",
        "2028-05-01",
        "2028-05-29",
        "2028-08-28",
        "2028-12-25",
        "2028-12-26",
    ],
    dtype="datetime64[D]",
)


def d64(day: dt.date | str) -> np.datetime64:
    """A date as numpy day."""
    return np.datetime64(day, "D")


def to_date(day: np.datetime64) -> dt.date:
    return day.astype("datetime64[D]").astype(dt.date)


def is_workday(days: np.ndarray) -> np.ndarray:
    """Monday-Friday and not a bank holiday."""
    return np.is_busday(days.astype("datetime64[D]"), holidays=BANK_HOLIDAYS)


def next_workday(days: np.ndarray) -> np.ndarray:
    return np.busday_offset(days.astype("datetime64[D]"), 0, roll="forward", holidays=BANK_HOLIDAYS)


def add_workdays(days: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.busday_offset(days.astype("datetime64[D]"), n, roll="forward", holidays=BANK_HOLIDAYS)


def count_workdays(begin: np.ndarray, end_inclusive: np.ndarray) -> np.ndarray:
    return np.busday_count(begin, end_inclusive + np.timedelta64(1, "D"), holidays=BANK_HOLIDAYS)


def ymd_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    days = days.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def fmt_yyyymmdd(days: np.ndarray) -> np.ndarray:
    """SAP date text; NaT becomes 00000000."""
    days = np.asarray(days, dtype="datetime64[D]")
    nat = np.isnat(days)
    y, m, d = ymd_parts(np.where(nat, HORIZON_START, days))
    out = (y * 10000 + m * 100 + d).astype(str)
    out[nat] = "00000000"
    return out


def fmt_iso(days: np.ndarray) -> np.ndarray:
    """ISO date text; NaT becomes empty."""
    days = np.asarray(days, dtype="datetime64[D]")
    out = np.datetime_as_string(days, unit="D").astype(object)
    out[np.isnat(days)] = ""
    return out


def fmt_ddmmyyyy(days: np.ndarray) -> np.ndarray:
    """UK date text dd/mm/yyyy; NaT becomes empty."""
    days = np.asarray(days, dtype="datetime64[D]")
    nat = np.isnat(days)
    y, m, d = ymd_parts(np.where(nat, HORIZON_START, days))
    text = zfill((d * 1000000 + m * 10000 + y).astype(str), 8)
    out = np.strings.add(np.strings.add(np.strings.slice(text, 0, 2), "/"), np.strings.slice(text, 2, 4))
    out = np.strings.add(np.strings.add(out, "/"), np.strings.slice(text, 4, 8)).astype(object)
    out[nat] = ""
    return out


def zfill(text: np.ndarray, width: int) -> np.ndarray:
    """np.strings.zfill that also accepts an empty array."""
    text = np.asarray(text).astype(str)
    return np.strings.zfill(text, width) if text.size else text


def pad(numbers: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded key text (SAP keys are text, never integers)."""
    return zfill(np.asarray(numbers, dtype=np.int64).astype(str), width)


def fiscal_year(days: np.ndarray) -> np.ndarray:
    """GJAHR: the year in which the April-March fiscal year starts."""
    y, m, _ = ymd_parts(days)
    return np.where(m >= 4, y, y - 1)


def fiscal_period(days: np.ndarray) -> np.ndarray:
    """PERIO: 1 = April .. 12 = March."""
    _, m, _ = ymd_parts(days)
    return (m - 4) % 12 + 1


def month_start(day: np.datetime64) -> np.datetime64:
    return day.astype("datetime64[M]").astype("datetime64[D]")


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since the horizon start (chunk number of monthly event streams)."""
    return days.astype("datetime64[M]").astype(np.int64) - HORIZON_START.astype("datetime64[M]").astype(
        np.int64
    )


def month_bounds(index: int) -> tuple[np.datetime64, np.datetime64]:
    """First day and the day after the last day of chunk month `index`."""
    first = (HORIZON_START.astype("datetime64[M]") + index).astype("datetime64[D]")
    after = (HORIZON_START.astype("datetime64[M]") + index + 1).astype("datetime64[D]")
    return first, after
