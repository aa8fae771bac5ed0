"""Erlang C (forecast/erlang.py) against published worked examples and an independent direct formula.

Every published figure below is checked twice: against forecast/erlang.py, and against `direct`,
the textbook closed form computed here in exact fractions (no Erlang B recursion, no numpy), so a
wrong published figure, a wrong implementation and a wrong test helper cannot agree by accident.
"""

from fractions import Fraction
from math import ceil, exp, factorial

import numpy as np
import pytest

from forecast.erlang import (
    MAX_AGENTS,
    StaffingSettings,
    agents_required,
    average_speed_of_answer,
    erlang_b,
    probability_of_waiting,
    service_level,
    staff_required,
    traffic_erlangs,
)

NO_CAP = StaffingSettings(max_occupancy=1.0)


def direct(agents: int, traffic: float, aht_s: float, wait_s: float) -> dict[str, float]:
    """The closed form: P(wait) = (A^N/N! N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! N/(N-A)),
    service level = 1 - P(wait) exp(-(N-A) t / AHT), ASA = P(wait) AHT / (N-A), occupancy = A/N."""
    a = Fraction(repr(float(traffic)))  # the decimal, not the binary float: fast exact sums
    top = a**agents / factorial(agents) * agents / (agents - a)
    pw = float(top / (sum(a**k / factorial(k) for k in range(agents)) + top))
    return {
        "pw": pw,
        "sl": 1 - pw * exp(-(agents - traffic) * wait_s / aht_s),
        "asa": pw * aht_s / (agents - traffic),
        "occupancy": traffic / agents,
    }


def fewest_agents(traffic: float, aht_s: float, settings: StaffingSettings) -> int:
    """Brute force on the direct formula: the first N > A meeting the target and the occupancy cap."""
    n = int(traffic) + 1
    while direct(n, traffic, aht_s, settings.target_wait_s)["sl"] < settings.service_level or (
        traffic / n > settings.max_occupancy
    ):
        n += 1
    return n


def test_callcentrehelper_worked_example():
    """Call Centre Helper, 'Erlang C Formula - Made Simple With an Easy Worked Example'
    (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30
    minutes, AHT 180 s, 80 % answered within 20 s, maximum occupancy 85 %, shrinkage 30 %.
    The figures as the R package ErlangC 0.1.0 publishes them for this example
    (https://rdocumentation.org/packages/ErlangC/versions/0.1.0): 10 Erlangs, 14 agents,
    P(wait) 0.1741319, service level 0.88835, ASA 7.83593701177724 s, occupancy 0.7142857;
    and pyworkforce's tests of the same example (rodrigo-arenas/pyworkforce,
    pyworkforce/queuing/tests/test_erlang.py): 14 raw positions, 20 with 30 % shrinkage.
    """
    settings = StaffingSettings()  # the example's own settings are the defaults
    assert traffic_erlangs(100, 180) == pytest.approx(10.0)
    assert agents_required(100, 180, settings) == 14 == fewest_agents(10, 180, settings)
    exact = direct(14, 10, 180, 20)
    for got, published, name in [
        (probability_of_waiting(14, 10.0), 0.1741319, "pw"),
        (service_level(14, 10.0, 180, 20), 0.88835, "sl"),
        (average_speed_of_answer(14, 10.0, 180), 7.83593701177724, "asa"),
        (10 / 14, 0.7142857, "occupancy"),
    ]:
        assert got == pytest.approx(published, abs=5e-6 * max(1, published))
        assert exact[name] == pytest.approx(published, abs=5e-6 * max(1, published))
    assert service_level(13, 10.0, 180, 20) == pytest.approx(0.7956, abs=5e-5)  # 13 fall short
    assert staff_required(14, settings) == 20


def test_callcentrehelper_example_at_seventy_percent_occupancy():
    """pyworkforce's over-occupancy test of the same example (maximum occupancy 0.70): 15 raw
    positions, 22 with shrinkage, service level 0.941, occupancy 0.667, P(wait) 0.102 (3 d.p.).
    The cap binds: 14 agents meet the service level but are 71.4 % busy.
    """
    settings = StaffingSettings(max_occupancy=0.70)
    assert agents_required(100, 180, settings) == 15 == fewest_agents(10, 180, settings)
    assert staff_required(15, settings) == 22
    assert round(float(service_level(15, 10.0, 180, 20)), 3) == 0.941
    assert round(10 / 15, 3) == 0.667
    assert round(float(probability_of_waiting(15, 10.0)), 3) == 0.102


def test_hubers_erlang_vignette_example():
    """Patrick Hubers, R package Erlang, vignette 'Queuing and Staffing Functions for Contact
    Centers' (phubers/erlang, vignettes/vignette.Rmd): 200 calls per half hour, AHT 3 minutes ->
    20 Erlangs; 80 % within 60 s needs 23 agents, occupancy 20/23 = 87 %.
    """
    settings = StaffingSettings(target_wait_s=60, max_occupancy=1.0)
    assert traffic_erlangs(200, 180) == pytest.approx(20.0)
    assert agents_required(200, 180, settings) == 23 == fewest_agents(20, 180, settings)
    assert round(20 / 23, 2) == 0.87
    # with the default 85 % occupancy cap the same load needs one more (20 / 23 = 87 % > 85 %)
    assert agents_required(200, 180, StaffingSettings(target_wait_s=60)) == 24


def test_westbay_erlang_c_example():
    """Westbay Engineers / Mitan, 'The Erlang-C formula' (http://www.mitan.co.uk/erlang/elgcmath.htm,
    archived at https://web.archive.org/web/20181209042241/http://www.mitan.co.uk/erlang/elgcmath.htm):
    360 calls per half hour, call duration 4 minutes, 55 agents, 15 s target. Only the inputs are
    the page's (its results could not be retrieved to cite); every figure below is the direct
    formula's: 48 Erlangs, occupancy 0.873, P(wait) 0.2387, ASA 8.18 s, 84.6 % within 15 s.
    The brief's version of the example (80 % within 20 s) needs 54 agents before shrinkage
    (81.7 %; 53 give 75.2 %), 57 with the 85 % occupancy cap (48 / 56 = 85.7 %), and 82 staff
    after 30 % shrinkage (57 / 0.7 = 81.4).
    """
    a = traffic_erlangs(360, 240)
    assert a == pytest.approx(48.0)
    assert a / 55 == pytest.approx(0.873, abs=5e-4)
    exact = direct(55, 48, 240, 15)
    assert probability_of_waiting(55, 48.0) == pytest.approx(exact["pw"], rel=1e-9)
    assert exact["pw"] == pytest.approx(0.2387, abs=5e-5)
    assert average_speed_of_answer(55, 48.0, 240) == pytest.approx(exact["asa"], rel=1e-9)
    assert exact["asa"] == pytest.approx(8.18, abs=5e-3)
    assert service_level(55, 48.0, 240, 15) == pytest.approx(exact["sl"], rel=1e-9)
    assert exact["sl"] == pytest.approx(0.846, abs=5e-4)
    # the brief's 54 agents: at 20 s, without the occupancy cap
    assert agents_required(360, 240, NO_CAP) == 54 == fewest_agents(48, 240, NO_CAP)
    assert service_level(54, 48.0, 240, 20) == pytest.approx(0.8172, abs=5e-5)
    assert service_level(53, 48.0, 240, 20) == pytest.approx(0.7518, abs=5e-5)
    # at the page's 15 s target 55 is the fewest (54 give 79.3 %)
    at_15 = StaffingSettings(max_occupancy=1.0, target_wait_s=15)
    assert agents_required(360, 240, at_15) == 55 == fewest_agents(48, 240, at_15)
    # the defaults: the 85 % cap binds, then shrinkage
    assert agents_required(360, 240) == 57 == fewest_agents(48, 240, StaffingSettings())
    assert staff_required(57) == 82


@pytest.mark.parametrize(("agents", "erlangs"), [(10, 4.46), (20, 12.03), (50, 37.90)])
def test_erlang_b_matches_the_published_table_at_one_percent(agents, erlangs):
    """Erlang B tables (e.g. ITU-T E.501 appendix; https://www.erlang.com/calculator/erlb/
    tables): the traffic that N circuits carry at 1 % blocking, to two decimals. Erlang C is
    derived from Erlang B's recursion, so this checks the recursion at realistic sizes.
    """
    assert erlang_b(agents, erlangs) == pytest.approx(0.01, abs=5e-5)


@pytest.mark.parametrize("traffic", [0.05, 0.5, 1.0, 2.7, 10.0, 48.0, 123.4])
def test_the_vectorised_measures_equal_the_direct_formula(traffic):
    """P(wait), service level and ASA over a range of agents, to 1e-9 relative, and the agents
    required equal the brute force's, at loads from a call an hour to a large centre's."""
    n = np.arange(int(traffic) + 1, int(traffic) + 25)
    pw = probability_of_waiting(n, traffic)
    sl = service_level(n, traffic, 300.0, 20)
    asa = average_speed_of_answer(n, traffic, 300.0)
    for i, agents in enumerate(n):
        exact = direct(int(agents), traffic, 300.0, 20)
        assert pw[i] == pytest.approx(exact["pw"], rel=1e-9)
        assert sl[i] == pytest.approx(exact["sl"], rel=1e-9)
        assert asa[i] == pytest.approx(exact["asa"], rel=1e-9)
    calls = traffic * 1800 / 300
    for settings in (StaffingSettings(), NO_CAP, StaffingSettings(service_level=0.9, target_wait_s=10)):
        assert agents_required(calls, 300.0, settings) == fewest_agents(traffic, 300.0, settings)


def test_shrinkage_rounds_up_and_is_exact_at_whole_numbers():
    """staff = ceil(agents / (1 - shrinkage)), in exact arithmetic: 21 / (1 - 0.3) is
    30.000000000000004 in floats, and still 30 staff."""
    assert 21 / (1 - 0.30) > 30  # the float error the implementation must not round up
    assert staff_required(21) == 30
    assert staff_required(14) == 20
    assert staff_required(15) == 22
    assert staff_required(np.array([0, 1, 7, 57])).tolist() == [0, 2, 10, 82]
    assert staff_required(57, StaffingSettings(shrinkage=0.0)) == 57
    for agents in range(0, 200):
        for shrink in (0.1, 0.25, 0.3, 0.35):
            want = ceil(Fraction(agents) / (1 - Fraction(str(shrink))))
            assert staff_required(agents, StaffingSettings(shrinkage=shrink)) == want


def test_overloaded_queue_never_meets_a_target():
    """Traffic at or above the agents: every call waits, no service level, unbounded ASA."""
    for agents in (40, 47, 48):
        assert probability_of_waiting(agents, 48.0) == 1.0
        assert service_level(agents, 48.0, 240, 20) == 0.0
        assert average_speed_of_answer(agents, 48.0, 240) == np.inf
    assert agents_required(360, 240) > 48  # the search starts above the traffic


def test_zero_calls_need_nobody_and_one_call_needs_one_agent():
    calls = np.array([[360, 0], [100, 1]])
    got = agents_required(calls, np.array([240, 180]), NO_CAP)
    assert got.shape == (2, 2)
    assert got.tolist() == [[54, 0], [17, 1]]  # AHT by column: 100 calls of 240 s are 13.3 Erlangs
    assert got[1, 0] == fewest_agents(100 * 240 / 1800, 240, NO_CAP)
    assert staff_required(got).tolist() == [[78, 0], [25, 2]]
    assert agents_required(np.zeros(5), 200.0).tolist() == [0] * 5


def test_zero_target_wait_is_the_share_answered_at_once():
    """t = 0: the service level is the share not waiting at all, 1 - P(wait)."""
    assert service_level(14, 10.0, 180, 0) == pytest.approx(1 - direct(14, 10, 180, 0)["pw"], rel=1e-12)
    assert agents_required(100, 180, StaffingSettings(target_wait_s=0, max_occupancy=1.0)) == fewest_agents(
        10, 180, StaffingSettings(target_wait_s=0, max_occupancy=1.0)
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"service_level": 1.0},
        {"service_level": 0.0},
        {"shrinkage": 1.0},
        {"shrinkage": -0.1},
        {"max_occupancy": 0.0},
        {"max_occupancy": 1.1},
        {"target_wait_s": -1},
        {"interval_s": 0},
    ],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError, match="invalid staffing settings"):
        StaffingSettings(**kwargs)


@pytest.mark.parametrize(
    ("calls", "aht"), [(-1, 240), (np.nan, 240), (np.inf, 240), (10, 0), (10, -5), (10, np.nan)]
)
def test_bad_input_is_refused(calls, aht):
    with pytest.raises(ValueError, match="calls must be finite"):
        agents_required(calls, aht)


def test_absurd_volume_is_refused():
    """More than MAX_AGENTS in one half-hour is bad input, refused before the search runs long."""
    with pytest.raises(ValueError, match=f"more than {MAX_AGENTS} agents needed in one interval"):
        agents_required(1_000_000, 600)
