"""Residents in households, and how source systems record them (with realistic variation).

Variation (nicknames, typos, swapped day/month, married names, moves, missing dates of birth,
shared family emails, twins) is not a defect: the truth of who is who goes to persons.csv.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dates import HORIZON_END, HORIZON_START, pad, ymd_parts
from simulator.names import FORENAME_GENDER, FORMAL, NICK, OX_DISTRICTS, STREETS, SURNAMES
from simulator.randomness import rng, scaled

NAT = np.datetime64("NaT", "D")
SYSTEMS = ("adult_social_care", "blue_badge", "libraries", "school_admissions")


@dataclass
class Residents:
    person_id: np.ndarray  # text, the truth key
    household: np.ndarray
    forename: np.ndarray  # index into FORMAL
    middle: np.ndarray  # text or ""
    surname: np.ndarray
    married_name: np.ndarray  # surname after marriage ("" when none)
    married_on: np.ndarray  # NaT when none
    gender: np.ndarray  # 1 male, 2 female
    dob: np.ndarray
    email: np.ndarray
    phone: np.ndarray  # 07... national format
    address: np.ndarray  # household address before any move
    postcode: np.ndarray
    uprn: np.ndarray
    new_address: np.ndarray  # after the move
    new_postcode: np.ndarray
    new_uprn: np.ndarray
    moved_on: np.ndarray  # NaT when the household never moves
    nhs: np.ndarray
    activity: np.ndarray  # relative propensity to contact the council


def _addresses(r: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    number = r.integers(1, 180, n).astype(str).astype(object)
    street = STREETS[r.integers(0, len(STREETS), n)]
    district = OX_DISTRICTS[r.integers(0, len(OX_DISTRICTS), n)]
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
    postcode = (
        district
        + " "
        + r.integers(1, 10, n).astype(str).astype(object)
        + letters[r.integers(0, len(letters), n)]
        + letters[r.integers(0, len(letters), n)]
    )
    uprn = (100120000000 + r.integers(0, 9999999, n)).astype(str).astype(object)
    return number + " " + street, postcode, uprn


def build_residents(seed: int, scale: float) -> Residents:
    r = rng(seed, "residents")
    n_house = scaled(190000 / 2.3, scale, 400)
    size = np.clip(r.poisson(1.3, n_house) + 1, 1, 6)
    hh = np.repeat(np.arange(n_house), size)
    n = len(hh)
    first_in_hh = np.concatenate([[True], hh[1:] != hh[:-1]])
    rank = np.arange(n) - np.flatnonzero(first_in_hh)[np.cumsum(first_in_hh) - 1]
    hh_surname = SURNAMES[r.integers(0, len(SURNAMES), n_house)]
    surname = hh_surname[hh].copy()
    other = (rank == 1) & (r.random(n) < 0.25)  # partners who kept their own surname
    surname[other] = SURNAMES[r.integers(0, len(SURNAMES), other.sum())]
    fn = r.integers(0, len(FORMAL), n)
    adult = rank < 2
    today = np.datetime64("2025-01-01", "D")
    age = np.where(adult, r.integers(18 * 365, 92 * 365, n), r.integers(0, 17 * 365, n))
    dob = today - age.astype("timedelta64[D]")
    # twins: the next child shares the birth date
    twin = (~adult) & (rank >= 3) & (r.random(n) < 0.15)
    twin_idx = np.flatnonzero(twin)
    dob[twin_idx] = dob[twin_idx - 1]
    fn[twin_idx] = (fn[twin_idx - 1] + 1 + r.integers(0, 5, len(twin_idx))) % len(FORMAL)
    gender = FORENAME_GENDER[fn]
    middle = np.where(r.random(n) < 0.3, FORMAL[r.integers(0, len(FORMAL), n)], "").astype(object)
    married = adult & (gender == 2) & (age < 45 * 365) & (r.random(n) < 0.06)
    married_on = np.where(married, HORIZON_START + r.integers(0, 3600, n).astype("timedelta64[D]"), NAT)
    married_name = np.where(married, SURNAMES[r.integers(0, len(SURNAMES), n)], "").astype(object)
    addr, pc, uprn = _addresses(r, n_house)
    addr2, pc2, uprn2 = _addresses(r, n_house)
    moves = r.random(n_house) < 0.10
    moved_on = np.where(moves, HORIZON_START + r.integers(0, 3600, n_house).astype("timedelta64[D]"), NAT)
    base = (np.char.lower(FORMAL[fn].astype(str)) + "." + np.char.lower(surname.astype(str))).astype(object)
    base = np.strings.replace(np.strings.replace(base.astype(str), "'", ""), " ", "").astype(object)
    email = (base + r.integers(1, 99, n).astype(str).astype(object) + "@example.com").astype(object)
    shared = adult & (r.random(n) < 0.08)
    family = (np.char.lower(hh_surname.astype(str)).astype(object) + "family@example.net")[hh]
    email = np.where(shared, family, email)
    email = np.where(adult | (r.random(n) < 0.1), email, "").astype(object)
    phone = ("07" + pad(r.integers(0, 1000000000, n), 9).astype(object)).astype(object)
    nhs = (4000000000 + r.integers(0, 999999999, n)).astype(str).astype(object)
    activity = r.lognormal(0, 1.0, n) * np.where(age > 70 * 365, 2.0, 1.0)
    return Residents(
        person_id=("P" + pad(np.arange(n) + 1, 8).astype(object)).astype(object),
        household=hh,
        forename=fn,
        middle=middle,
        surname=surname,
        married_name=married_name,
        married_on=married_on,
        gender=gender,
        dob=dob,
        email=email,
        phone=phone,
        address=addr[hh],
        postcode=pc[hh],
        uprn=uprn[hh],
        new_address=addr2[hh],
        new_postcode=pc2[hh],
        new_uprn=uprn2[hh],
        moved_on=moved_on[hh],
        nhs=nhs,
        activity=activity,
    )


def _typo(names: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """Swap two adjacent letters (a keying slip)."""
    text = names.astype(str)
    length = np.strings.str_len(text)
    k = (r.random(len(text)) * np.maximum(length - 2, 1)).astype(np.int64) + 1
    k = np.minimum(k, np.maximum(length - 2, 0))
    out = np.strings.add(np.strings.slice(text, 0, k), np.strings.slice(text, k + 1, k + 2))
    out = np.strings.add(out, np.strings.slice(text, k, k + 1))
    out = np.strings.add(out, np.strings.slice(text, k + 2, length + 1))
    return np.where(length >= 4, out, text).astype(object)


def record_people(
    res: Residents,
    who: np.ndarray,
    when: np.ndarray,
    r: np.random.Generator,
    vary: bool,
    p_dob_missing: float,
) -> dict[str, np.ndarray]:
    """How a source system writes these people on these days: current name and address, with variation."""
    married = ~np.isnat(res.married_on[who]) & (res.married_on[who] <= when)
    moved = ~np.isnat(res.moved_on[who]) & (res.moved_on[who] <= when)
    fn = res.forename[who]
    first = FORMAL[fn].copy()
    last = np.where(married, res.married_name[who], res.surname[who]).astype(object)
    dob = res.dob[who].copy()
    m = len(who)
    if vary and m:
        nick = (NICK[fn] != "") & (r.random(m) < 0.08)
        first[nick] = NICK[fn][nick]
        typo = r.random(m) < 0.03
        if typo.any():
            last[typo] = _typo(last[typo], r)
        y, mo, d = ymd_parts(dob)
        swap = (d <= 12) & (d != mo) & (r.random(m) < 0.02)
        swapped = (y * 10000 + d * 100 + mo)[swap].astype(str)
        dob[swap] = np.array([f"{s[:4]}-{s[4:6]}-{s[6:]}" for s in swapped], dtype="datetime64[D]")
        # the old surname lingers in some systems for a while after marriage
        stale = married & (r.random(m) < 0.3)
        last[stale] = res.surname[who][stale]
    dob[r.random(m) < p_dob_missing] = NAT
    return {
        "first_name": first,
        "middle_name": res.middle[who],
        "last_name": last,
        "dob": dob,
        "email": res.email[who],
        "phone": res.phone[who],
        "address_line1": np.where(moved, res.new_address[who], res.address[who]).astype(object),
        "postcode": np.where(moved, res.new_postcode[who], res.postcode[who]).astype(object),
        "uprn": np.where(moved, res.new_uprn[who], res.uprn[who]).astype(object),
    }


@dataclass
class PersonIndex:
    """Records of one service system: who, registered when, and the record as written then."""

    system: str
    ids: np.ndarray
    who: np.ndarray
    registered: np.ndarray
    fields: dict[str, np.ndarray]


def build_indexes(seed: int, scale: float, res: Residents, asc_clients: np.ndarray, vary: bool) -> dict:
    """The four service person indexes (adult social care, blue badge, libraries, school admissions)."""
    out = {}
    age = (np.datetime64("2025-01-01", "D") - res.dob).astype(np.int64) / 365.25
    n = len(res.person_id)
    for k, system in enumerate(SYSTEMS):
        r = rng(seed, "index", system)
        if system == "adult_social_care":
            extra = np.flatnonzero((age > 60) & (r.random(n) < 0.08))
            who = np.unique(np.concatenate([asc_clients, extra]))
        elif system == "blue_badge":
            who = np.flatnonzero(r.random(n) < np.where(age > 65, 0.30, 0.03))
        elif system == "libraries":
            who = np.flatnonzero(r.random(n) < 0.30)
        else:
            who = np.flatnonzero((age >= 3) & (age < 16) & (r.random(n) < 0.85))
        span = (HORIZON_END - HORIZON_START).astype(np.int64)
        registered = HORIZON_START + (r.random(len(who)) * span * 1.3 - span * 0.3).astype("timedelta64[D]")
        order = np.argsort(registered, kind="stable")
        who, registered = who[order], registered[order]
        fields = record_people(res, who, registered, r, vary, 0.15 if system == "libraries" else 0.02)
        prefix = ["ASC", "BB", "LIB", "SA"][k]
        ids = (prefix + pad(np.arange(len(who)) + 1, 7).astype(object)).astype(object)
        out[system] = PersonIndex(system, ids, who, registered, fields)
    return out
