"""The simulated contact demand has a real council contact centre's patterns (simulator/contact.py)."""

import numpy as np

from simulator.contact import HOURS_CHAT, HOURS_OFFICE, SERVICES, ContactCentre, _season

ADMISSIONS = list(SERVICES).index("School Admissions and Transport")
BLUE_BADGE = list(SERVICES).index("Blue Badge and Concessionary Travel")


def day(text: str) -> np.ndarray:
    return np.array([text], dtype="datetime64[D]")


def volume(text: str) -> float:
    """Expected contacts of one day (scale 1), through the simulator's own daily volume."""
    centre = ContactCentre.__new__(ContactCentre)  # the volume needs no residents
    return float(centre._daily_volume(day(text), 365.25)[0])


def test_monday_peak_and_quiet_weekend():
    assert volume("2024-11-04") > 1.3 * volume("2024-11-08")  # Monday over Friday
    assert volume("2024-11-09") < 0.3 * volume("2024-11-08")


def test_bank_holidays_and_christmas_week_are_quiet():
    assert volume("2024-12-25") < 0.15 * volume("2024-12-18")
    assert volume("2024-12-27") < 0.5 * volume("2024-12-20")  # a Friday between the holidays
    assert volume("2024-05-27") < 0.15 * volume("2024-06-03")  # spring bank holiday Monday


def test_lunchtime_dip_in_office_hours():
    for hours in (HOURS_OFFICE, HOURS_CHAT):
        assert hours[12] < hours[11] and hours[12] < hours[14]


def test_admissions_peak_before_their_deadlines():
    s = lambda text: _season(day(text))[0]  # noqa: E731
    assert s("2024-10-30")[ADMISSIONS] > 2 * s("2024-10-10")[ADMISSIONS]  # secondary: 31 October
    assert s("2025-01-14")[ADMISSIONS] > 2 * s("2025-01-20")[ADMISSIONS]  # primary: 15 January
    assert s("2025-03-30")[BLUE_BADGE] > 1.8 * s("2025-03-05")[BLUE_BADGE]  # renewals by 31 March


def test_council_tax_bills_lift_every_service_in_march():
    assert (_season(day("2025-03-12"))[0] > _season(day("2025-03-03"))[0]).all()
