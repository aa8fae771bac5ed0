"""Customer contact: CRM contacts (all channels), telephony call records and e-forms, by month chunk.

Shapes: weekday and hour-of-day profiles (a lunchtime dip), Monday peaks, school-admission and
winter social-care peaks, ramps before the school-admission and blue-badge deadlines, council-tax
bill queries in March, quiet bank holidays and Christmas week, channel shift from ~10 % online
(2018) to ~45 % (2025) and ~55 % (2028), and repeat contacts after unresolved first contacts
(docs/sources.md, "Simulated contact demand").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.dates import BANK_HOLIDAYS, fmt_iso, month_bounds, ymd_parts, zfill
from simulator.persons import Residents, record_people
from simulator.randomness import rng

SERVICES = np.array(
    [
        "Adult Social Care",
        "Children's Services",
        "Highways",
        "Blue Badge and Concessionary Travel",
        "School Admissions and Transport",
        "Libraries",
        "Registration",
        "Trading Standards",
        "Fire and Rescue",
    ],
    dtype=object,
)
SERVICE_SHARE = np.array([0.20, 0.10, 0.18, 0.12, 0.12, 0.08, 0.10, 0.05, 0.05])
VALUE_REASONS = np.array(
    ["Apply", "Request", "Report", "Book", "Pay", "Register", "Information"], dtype=object
)
FAILURE_REASONS = np.array(
    [
        "Chasing progress",
        "Repeat of unresolved request",
        "Did not understand a letter",
        "Wrong information given",
        "Complaint about a failure",
    ],
    dtype=object,
)
PREFERRED_REASON = np.array([1, 1, 2, 0, 0, 3, 5, 2, 6])  # most common value reason per service
CHANNELS = np.array(
    ["Phone", "Email", "Webchat", "Web form", "Face to face", "Social media", "Letter"], dtype=object
)
OUTCOMES = np.array(
    ["Resolved at first contact", "Signposted", "Referred to service", "Safeguarding referral", "Incomplete"],
    dtype=object,
)
FORMS = np.array(
    [
        "report-a-pothole",
        "apply-blue-badge",
        "apply-school-place",
        "apply-bus-pass",
        "request-care-assessment",
        "complaint",
        "book-registration-appointment",
        "renew-library-membership",
    ],
    dtype=object,
)
FORM_SHARE = np.array([0.22, 0.12, 0.14, 0.12, 0.06, 0.08, 0.14, 0.12])
FORM_ABANDON = np.array([0.20, 0.38, 0.35, 0.30, 0.40, 0.22, 0.25, 0.20])
WEEKDAY = np.array([1.35, 1.10, 1.0, 1.0, 0.9, 0.25, 0.10])  # Monday..Sunday
HOURS_OFFICE = np.array([0] * 8 + [6, 10, 11, 9, 5, 6, 9, 8, 6, 4] + [0] * 6, float)  # 12-14h: lunch
HOURS_ALLDAY = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 5, 7, 8, 8, 7, 7, 7, 7, 6, 6, 6, 6, 5, 4, 3, 2], float
)
HOURS_CHAT = np.array([0] * 8 + [5, 8, 9, 8, 5, 6, 8, 7, 6, 5, 4, 3] + [0] * 4, float)
DAY = np.timedelta64(1, "D")
CONTACTS_PER_YEAR = 370_000  # first contacts; repeats add ~8 %, giving ~400,000 a year at scale 1


def online_share(days: np.ndarray) -> np.ndarray:
    """Share of contacts by email, webchat and web form: 10 % in April 2018, 45 % by 2025, 55 % by 2028."""
    x = days.astype(np.int64)
    pts = np.array(["2018-04-01", "2025-04-01", "2028-04-01"], dtype="datetime64[D]").astype(np.int64)
    return np.interp(x, pts, [0.10, 0.45, 0.55])


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days.astype(np.int64) - 4) % 7  # 0 = Monday


# Deadlines that pull demand into the weeks before them: (month, day, weeks of ramp, extra at the deadline)
SECONDARY_SCHOOL_DEADLINE = (10, 31, 2, 1.5)  # secondary school applications close 31 October
PRIMARY_SCHOOL_DEADLINE = (1, 15, 2, 1.5)  # primary and infant applications close 15 January
BLUE_BADGE_DEADLINE = (3, 31, 3, 1.0)  # bus pass and blue badge renewals due by 31 March (assumed)
COUNCIL_TAX_BILLS = (3, 8, 3, 24, 1.15)  # bills land 8-24 March: precept queries on every service
CHRISTMAS_WEEK = 0.45  # 24 December - 1 January, on the days that are not bank holidays


def _before_deadline(days: np.ndarray, deadline: tuple[int, int, int, float]) -> np.ndarray:
    """1 + extra x closeness over the ramp's weeks before the deadline (inclusive), else 1."""
    month, day, weeks, extra = deadline
    y, _, _ = ymd_parts(days)
    due = ((y - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]") + np.timedelta64(
        day - 1, "D"
    )
    left = (due - days.astype("datetime64[D]")).astype(np.int64)
    span = weeks * 7
    inside = (left >= 0) & (left < span)
    return np.where(inside, 1 + extra * (1 - left / span), 1.0)


def _season(days: np.ndarray) -> np.ndarray:
    """Service multipliers per day: school admissions, winter social care, spring potholes, deadlines."""
    _, m, d = ymd_parts(days)
    out = np.ones((len(days), len(SERVICES)))
    out[:, 4] = np.select([np.isin(m, [1, 3, 9, 10]), m == 4], [2.4, 1.8], 0.8)
    out[:, 4] *= _before_deadline(days, SECONDARY_SCHOOL_DEADLINE)
    out[:, 4] *= _before_deadline(days, PRIMARY_SCHOOL_DEADLINE)
    out[:, 3] *= _before_deadline(days, BLUE_BADGE_DEADLINE)
    out[:, 0] = np.where(np.isin(m, [12, 1, 2]), 1.3, 1.0)
    out[:, 2] = np.where(np.isin(m, [1, 2, 3]), 1.35, 0.9)
    b_month, b_first, _, b_last, b_factor = COUNCIL_TAX_BILLS
    out *= np.where((m == b_month) & (d >= b_first) & (d <= b_last), b_factor, 1.0)[:, None]
    return out


def _christmas(days: np.ndarray) -> np.ndarray:
    """True on 24 December - 1 January."""
    _, m, d = ymd_parts(days)
    return ((m == 12) & (d >= 24)) | ((m == 1) & (d == 1))


def _local_times(r: np.random.Generator, days: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Local wall-clock datetimes (seconds) following an hour-of-day profile."""
    hour = r.choice(24, len(days), p=profile / profile.sum())
    sec = hour * 3600 + r.integers(0, 3600, len(days))
    return days.astype("datetime64[s]") + sec.astype("timedelta64[s]")


def to_utc(local: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """Europe/London wall time to UTC (ambiguous autumn hour resolved at random, spring gap shifted)."""
    if not len(local):
        return local.astype("datetime64[s]")
    idx = pd.DatetimeIndex(local.astype("datetime64[s]"))
    amb = r.random(len(local)) < 0.5
    loc = idx.tz_localize("Europe/London", ambiguous=amb, nonexistent="shift_forward")
    return loc.tz_convert("UTC").tz_localize(None).values.astype("datetime64[s]")


def iso_z(t: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(t.astype("datetime64[s]"), unit="s").astype(object)
    return (text + "Z").astype(object)


@dataclass
class Contacts:
    contact_id: np.ndarray
    local: np.ndarray  # created_at, local wall time
    channel: np.ndarray  # index into CHANNELS
    service: np.ndarray
    reason: np.ndarray  # text
    outcome: np.ndarray  # index into OUTCOMES
    person: np.ndarray  # resident index, -1 anonymous
    agent: np.ndarray
    satisfaction: np.ndarray  # 0 = none
    call_id: np.ndarray | None = None  # phone contacts: the answered call; set when the calls are built


@dataclass
class Calls:
    call_id: np.ndarray
    offered_local: np.ndarray
    offered: np.ndarray  # UTC
    answered: np.ndarray  # UTC, NaT when never answered
    ended: np.ndarray
    inbound: np.ndarray
    queue: np.ndarray
    number: np.ndarray
    agent: np.ndarray
    talk: np.ndarray
    hold: np.ndarray
    wrap: np.ndarray
    transferred: np.ndarray  # service index, -1 none
    callback: np.ndarray


class ContactCentre:
    def __init__(self, seed: int, scale: float, res: Residents) -> None:
        self.seed, self.scale, self.res = seed, scale, res
        self._p = res.activity / res.activity.sum()
        self._cum = np.cumsum(self._p)
        self._cache: dict[int, tuple[Contacts, Calls]] = {}
        self._forms: dict[int, dict] = {}

    def _people(self, r: np.random.Generator, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self._cum, r.random(n) * self._cum[-1]), len(self._cum) - 1)

    def month(self, m: int) -> tuple[Contacts, Calls]:
        if m not in self._cache:
            if len(self._cache) > 4:
                self._cache.pop(min(self._cache))
            self._cache[m] = self._build(m)
        return self._cache[m]

    def _daily_volume(self, days: np.ndarray, per_year: float) -> np.ndarray:
        bank = np.isin(days, BANK_HOLIDAYS)
        quiet = np.select([bank, _christmas(days)], [0.12, CHRISTMAS_WEEK], 1.0)
        return per_year / 365.25 * WEEKDAY[_weekday(days)] / WEEKDAY.mean() * quiet

    def _build(self, m: int) -> tuple[Contacts, Calls]:
        r = rng(self.seed, "contacts", m)
        first, after = month_bounds(m)
        days = np.arange(first, after, dtype="datetime64[D]")
        online = online_share(days)
        share = np.column_stack(
            [
                1 - online - 0.20,
                online * 0.38,
                online * 0.17,
                online * 0.45,
                np.full(len(days), 0.10),
                np.full(len(days), 0.04),
                np.full(len(days), 0.06),
            ]
        )
        lam = (
            self._daily_volume(days, CONTACTS_PER_YEAR * self.scale)[:, None, None]
            * (_season(days) * SERVICE_SHARE)[:, :, None]
            * share[:, None, :]
        )
        wk = _weekday(days)
        lam[wk == 6, :, 4] = 0  # no face-to-face on Sundays
        count = r.poisson(lam)
        quiet = count[:, :, 0].sum(axis=1) == 0  # the telephony feed is never empty: at least one call a day
        count[quiet, r.integers(0, len(SERVICES), quiet.sum()), 0] = 1
        d_i, s_i, c_i = np.nonzero(count)
        reps = count[d_i, s_i, c_i]
        day = np.repeat(days[d_i], reps)
        service = np.repeat(s_i, reps)
        channel = np.repeat(c_i, reps)
        n = len(day)
        profile = {
            0: HOURS_OFFICE,
            1: HOURS_ALLDAY,
            2: HOURS_CHAT,
            3: HOURS_ALLDAY,
            4: HOURS_OFFICE,
            5: HOURS_ALLDAY,
            6: HOURS_OFFICE,
        }
        local = np.empty(n, dtype="datetime64[s]")
        for c, prof in profile.items():
            hit = channel == c
            local[hit] = _local_times(r, day[hit], prof)
        anon = r.random(n) < np.where(channel == 5, 0.3, 0.07)
        person = np.where(anon, -1, self._people(r, n))
        failure = r.random(n) < 0.22
        value = np.where(
            r.random(n) < 0.4,
            VALUE_REASONS[PREFERRED_REASON[service]],
            VALUE_REASONS[r.integers(0, len(VALUE_REASONS), n)],
        )
        reason = np.where(failure, FAILURE_REASONS[r.integers(2, 5, n)], value).astype(object)
        outcome = r.choice(5, n, p=[0.62, 0.10, 0.17, 0.01, 0.10])
        outcome = np.where((outcome == 3) & (service > 1), 2, outcome)
        # repeats: an unresolved contact is followed by another from the same person about the same service
        rep = np.flatnonzero(((outcome == 2) | (outcome == 4)) & (person >= 0) & (r.random(n) < 0.35))
        k = len(rep)
        r_day = day[rep] + (r.geometric(0.35, k)).astype("timedelta64[D]")
        r_chan = r.choice([0, 1, 2], k, p=[0.6, 0.25, 0.15])
        r_local = np.empty(k, dtype="datetime64[s]")
        for c, prof in ((0, HOURS_OFFICE), (1, HOURS_ALLDAY), (2, HOURS_CHAT)):
            hit = r_chan == c
            r_local[hit] = _local_times(r, r_day[hit], prof)
        r_reason = np.where(r.random(k) < 0.6, "Chasing progress", "Repeat of unresolved request").astype(
            object
        )
        local = np.concatenate([local, r_local])
        channel = np.concatenate([channel, r_chan])
        service = np.concatenate([service, service[rep]])
        reason = np.concatenate([reason, r_reason])
        outcome = np.concatenate([outcome, r.choice(5, k, p=[0.70, 0.05, 0.15, 0.0, 0.10])])
        person = np.concatenate([person, person[rep]])
        order = np.argsort(local, kind="stable")
        local, channel, service, reason, outcome, person = (
            local[order],
            channel[order],
            service[order],
            reason[order],
            outcome[order],
            person[order],
        )
        n = len(local)
        contacts = Contacts(
            contact_id=("CRM" + str(m).zfill(3) + zfill(np.arange(1, n + 1).astype(str), 6)).astype(object),
            local=local,
            channel=channel,
            service=service,
            reason=reason,
            outcome=outcome,
            person=person,
            agent=("A" + zfill(r.integers(1, 400, n).astype(str), 4)).astype(object),
            satisfaction=np.where(
                r.random(n) < 0.25, r.choice([1, 2, 3, 4, 5], n, p=[0.08, 0.1, 0.17, 0.35, 0.3]), 0
            ),
        )
        return contacts, self._calls(m, contacts, r)

    def _number_on(self, person: np.ndarray, when: np.ndarray) -> np.ndarray:
        """The number each resident has on the day of the call: a resident who changed their
        number calls from the new one (the old one would tie the call to stale records)."""
        p = np.maximum(person, 0)
        changed_on = self.res.phone_changed_on[p]
        changed = ~np.isnat(changed_on) & (changed_on <= when.astype("datetime64[D]"))
        return np.where(changed, self.res.new_phone[p], self.res.phone[p]).astype(object)

    def _calls(self, m: int, ct: Contacts, r: np.random.Generator) -> Calls:
        """Each phone contact is an answered inbound call; plus uncontacted calls, abandons, outbound."""
        phone = np.flatnonzero(ct.channel == 0)
        k = len(phone)
        n_extra = r.poisson(k * 0.10)
        n_aband = r.poisson(k * 0.10)
        n_out = r.poisson(k * 0.12)
        src = phone[r.integers(0, max(k, 1), n_extra + n_aband + n_out)] if k else np.zeros(0, np.int64)
        ans_local = np.concatenate(
            [ct.local[phone], ct.local[src] + r.integers(-5000, 5000, len(src)).astype("timedelta64[s]")]
        )
        n = len(ans_local)
        kind = np.concatenate(
            [np.zeros(k, int), np.ones(n_extra, int), np.full(n_aband, 2), np.full(n_out, 3)]
        )
        queue = np.concatenate([ct.service[phone], ct.service[src]])
        wait = np.where(r.random(n) < 0.62, r.integers(0, 21, n), 21 + r.exponential(110, n)).astype(np.int64)
        aband_wait = np.where(r.random(n) < 0.25, r.integers(0, 5, n), 5 + r.exponential(70, n)).astype(
            np.int64
        )
        answered = kind != 2
        offered_local = np.where(answered, ans_local - wait.astype("timedelta64[s]"), ans_local)
        offered = to_utc(offered_local, r)
        talk = np.where(answered, r.lognormal(np.log(260), 0.6, n), 0).astype(np.int64)
        hold = np.where(answered & (r.random(n) < 0.3), r.integers(10, 181, n), 0)
        wrap = np.where(answered, r.integers(20, 121, n), 0)
        ans_utc = offered + np.where(kind == 3, 8, wait).astype("timedelta64[s]")
        ended = np.where(
            answered,
            ans_utc + (talk + hold).astype("timedelta64[s]"),
            offered + aband_wait.astype("timedelta64[s]"),
        )
        person = np.concatenate([ct.person[phone], ct.person[src]])
        rand_num = ("07" + zfill(r.integers(0, 10**9, n).astype(str), 9)).astype(object)
        number = np.where(person >= 0, self._number_on(person, ans_local), "")
        number = np.where(number == "", rand_num, number)  # unknown caller, or one with no number on file
        number = ("+44" + np.strings.slice(number.astype(str), 1, 11)).astype(object)
        transferred = np.where(
            answered & (kind != 3) & (r.random(n) < 0.05), (queue + 1 + r.integers(0, 8, n)) % 9, -1
        )
        callback = np.where(kind == 2, r.random(n) < 0.15, r.random(n) < 0.02)
        agent = ("A" + zfill(r.integers(1, 400, n).astype(str), 4)).astype(object)
        agent[kind == 0] = ct.agent[phone]
        ids = ("CL" + str(m).zfill(3) + zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
        calls = Calls(
            ids,
            offered_local,
            offered,
            np.where(answered, ans_utc, np.datetime64("NaT", "s")),
            ended,
            kind != 3,
            queue,
            number,
            np.where(answered, agent, None),
            talk,
            hold,
            wrap,
            transferred,
            callback,
        )
        ct_call = np.full(len(ct.local), "", dtype=object)
        ct_call[phone] = ids[:k]
        ct.call_id = ct_call
        return calls

    def forms(self, m: int) -> dict:
        if m not in self._forms:
            if len(self._forms) > 4:
                self._forms.pop(min(self._forms))
            self._forms[m] = self._build_forms(m)
        return self._forms[m]

    def _build_forms(self, m: int) -> dict:
        r = rng(self.seed, "eforms", m)
        first, after = month_bounds(m)
        days = np.arange(first, after, dtype="datetime64[D]")
        per_day = self._daily_volume(days, 200_000 * self.scale) * online_share(days) / 0.45
        count = np.maximum(r.poisson(per_day), 1)  # the e-forms platform runs every day
        day = np.repeat(days, count)
        n = len(day)
        local = np.sort(_local_times(r, day, HOURS_ALLDAY))
        started = to_utc(local, r)
        form = r.choice(len(FORMS), n, p=FORM_SHARE)
        abandoned = r.random(n) < FORM_ABANDON[form]
        submitted = started + np.maximum(r.lognormal(np.log(420), 0.7, n), 30).astype("timedelta64[s]")
        person = self._people(r, n)
        account = r.random(n) < 0.55
        return {
            "local": local,
            "started": started,
            "form": form,
            "abandoned": abandoned,
            "submitted": submitted,
            "person": person,
            "account": account,
            "ids": ("EF" + str(m).zfill(3) + zfill(np.arange(1, n + 1).astype(str), 6)).astype(object),
        }


def people_fields(
    res: Residents,
    who: np.ndarray,
    when: np.ndarray,
    r: np.random.Generator,
    vary: bool,
    p_dob_missing: float,
) -> dict[str, np.ndarray]:
    safe = np.maximum(who, 0)
    f = record_people(res, safe, when, r, vary, p_dob_missing)
    f["dob_iso"] = fmt_iso(f["dob"])
    return f
