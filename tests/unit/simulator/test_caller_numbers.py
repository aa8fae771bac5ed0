"""Telephony caller numbers: a call comes from the number its resident has on the day of the call."""

import numpy as np

from simulator.contact import ContactCentre
from simulator.dates import month_bounds
from simulator.persons import build_residents


def test_a_resident_who_changed_number_calls_from_the_new_one():
    res = build_residents(7, 0.05)
    centre = ContactCentre(7, 0.05, res)
    month = 60  # five years into the horizon: many residents have changed number by then
    contacts, calls = centre.month(month)
    on_call = contacts.call_id != ""
    known = on_call & (contacts.person >= 0)
    who = contacts.person[known]
    number = dict(zip(calls.call_id, calls.number, strict=True))
    caller = np.array([number[c] for c in contacts.call_id[known]], dtype=object)
    day = contacts.local[known].astype("datetime64[D]")
    changed = ~np.isnat(res.phone_changed_on[who]) & (res.phone_changed_on[who] <= day)
    assert day.min() >= month_bounds(month)[0] and changed.sum() > 20
    expected = np.where(changed, res.new_phone[who], res.phone[who]).astype(str)
    has_number = expected != ""
    assert (caller[has_number] == np.strings.add("+44", np.strings.slice(expected[has_number], 1, 11))).all()
    # a caller with no number on file still shows a full E.164 number, never a bare "+44"
    assert all(len(c) == 13 and c.startswith("+447") for c in caller[~has_number])
