"""Simulated residents: realistic behaviours at their rates, switchable, and honest twins."""

import numpy as np
import pytest

from simulator.names import name_tables
from simulator.persons import PeopleRates, build_residents


def test_twins_and_triplets_never_share_a_first_name():
    res = build_residents(7, 0.2)
    later = np.flatnonzero((res.twin_of >= 0) & (res.twin_of < np.arange(len(res.twin_of))))
    assert len(later) > 50
    assert (res.dob[later] == res.dob[res.twin_of[later]]).all()
    assert (res.forename[later] != res.forename[res.twin_of[later]]).all()
    assert (res.household[later] == res.household[res.twin_of[later]]).all()


def test_behaviours_happen_at_their_rates_and_switch_off():
    res = build_residents(3, 0.1)
    moved = ~np.isnat(res.moved_on)
    assert 0.4 < moved.mean() < 0.8  # 9 % a year over the ten-year horizon, at most once
    assert res.shared_landline.any() and res.shared_email.any() and (res.twin_of >= 0).any()
    assert (res.surname == "Smith").mean() == pytest.approx(652563 / 52_600_000, rel=0.35)
    off = build_residents(3, 0.1, PeopleRates.none())
    assert np.isnat(off.moved_on).all() and np.isnat(off.phone_changed_on).all()
    assert np.isnat(off.married_on).all() and (off.twin_of < 0).all()
    assert not off.shared_landline.any() and not off.shared_email.any()


def test_unknown_behaviour_names_are_refused():
    with pytest.raises(ValueError, match="unknown people behaviours \\['twin'\\]"):
        PeopleRates.with_overrides({"twin": 0})


def test_first_names_follow_the_birth_decade():
    tables = name_tables()
    assert tables.top[(1934, "F")][0][0] == "Margaret" and tables.top[(2014, "F")][0][0] == "Amelia"
    res = build_residents(5, 0.2)
    born = res.dob.astype("datetime64[Y]").astype(int) + 1970
    old_women = res.forename[(born < 1945) & (res.gender == 2)]
    young_women = res.forename[(born > 2008) & (res.gender == 2)]
    assert (old_women == "Margaret").mean() > (young_women == "Margaret").mean()
    assert (young_women == "Amelia").mean() > (old_women == "Amelia").mean()
