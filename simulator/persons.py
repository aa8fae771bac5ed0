"""Residents in households, and how source systems record them (with realistic variation).

Variation is not a defect: who is who goes to persons.csv, with the variation each record
carries (`variation`, tags separated by ";"), and residents.csv says how residents are related
(household, twin, shared household email or landline). Each behaviour has a rate in
PeopleRates, on by default at a realistic, documented rate (docs/identity.md, "Simulated
residents"); a rate of 0 switches it off.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from simulator.dates import HORIZON_END, HORIZON_START, pad, ymd_parts
from simulator.names import OX_DISTRICTS, STREETS, draw_first_names, draw_surnames, nickname_of
from simulator.randomness import rng, scaled

NAT = np.datetime64("NaT", "D")
SYSTEMS = ("adult_social_care", "blue_badge", "libraries", "school_admissions")
TODAY = np.datetime64("2025-01-01", "D")  # the reference date of ages
HORIZON_YEARS = float((HORIZON_END - HORIZON_START).astype(np.int64) / 365.25)


@dataclass(frozen=True)
class PeopleRates:
    """How often residents and records vary; sources and reasoning in docs/identity.md."""

    move_per_year: float = 0.09  # households moving house (English Housing Survey: about 9 % a year)
    phone_change_per_year: float = 0.10  # residents taking a new mobile number
    email_change_per_year: float = 0.05  # residents changing their email address
    marriage_per_year: float = 0.015  # women 18-45 marrying and taking the spouse's surname
    twins: float = 0.03  # a later-born child being the twin of the child before (ONS: ~1.5 % of maternities)
    shared_email: float = 0.08  # adults using the household's family email
    landline_household: float = 0.25  # households giving a landline as the contact number
    landline_given: float = 0.5  # members of such a household giving it (older people more often)
    parent_contact: float = 1.0  # school admissions recording a child with a parent's email and phone
    nickname: float = 0.08  # records under a nickname (when the name has one)
    initial: float = 0.02  # records with only the first initial
    typo: float = 0.03  # records with two letters of the surname transposed
    dob_swapped: float = 0.02  # records with day and month of birth swapped (when both <= 12)
    maiden_name_lingers: float = 0.3  # records after a marriage still under the former surname

    @classmethod
    def with_overrides(cls, overrides: dict[str, float] | None) -> PeopleRates:
        """Default rates with some replaced; an unknown name is an error, not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(overrides or {}) - known
        if unknown:
            raise ValueError(f"unknown people behaviours {sorted(unknown)}; known: {sorted(known)}")
        return cls(**(overrides or {}))

    @classmethod
    def none(cls) -> PeopleRates:
        """Every behaviour off: residents never change and records are written exactly."""
        return cls(**{f.name: 0.0 for f in fields(cls)})


@dataclass
class Residents:
    person_id: np.ndarray  # text, the truth key
    household: np.ndarray
    forename: np.ndarray  # formal first name (text)
    middle: np.ndarray  # text or ""
    surname: np.ndarray
    married_name: np.ndarray  # surname after marriage ("" when none)
    married_on: np.ndarray  # NaT when none
    gender: np.ndarray  # 1 male, 2 female
    dob: np.ndarray
    email: np.ndarray
    new_email: np.ndarray  # after the change
    email_changed_on: np.ndarray  # NaT when never
    phone: np.ndarray  # 07... national format, or the household's landline
    new_phone: np.ndarray
    phone_changed_on: np.ndarray
    address: np.ndarray  # household address before any move
    postcode: np.ndarray
    uprn: np.ndarray
    new_address: np.ndarray  # after the move
    new_postcode: np.ndarray
    new_uprn: np.ndarray
    moved_on: np.ndarray  # NaT when the household never moves
    nhs: np.ndarray
    activity: np.ndarray  # relative propensity to contact the council
    twin_of: np.ndarray  # resident index of the twin, -1 none
    shared_email: np.ndarray  # bool: uses the household's family email
    shared_landline: np.ndarray  # bool: gives the household's landline
    parent: np.ndarray  # resident index of the household's first adult (self for adults)
    rates: PeopleRates


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


def _event(r: np.random.Generator, n: int, per_year: float) -> np.ndarray:
    """A date in the horizon for each of n, for those it happens to (NaT otherwise): one event each."""
    happens = r.random(n) < 1 - np.exp(-per_year * HORIZON_YEARS)
    span = (HORIZON_END - HORIZON_START).astype(np.int64)
    return np.where(happens, HORIZON_START + r.integers(0, span, n).astype("timedelta64[D]"), NAT)


def _mobiles(r: np.random.Generator, n: int) -> np.ndarray:
    return ("07" + pad(r.integers(0, 1000000000, n), 9).astype(object)).astype(object)


def _emails(r: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    base = (np.char.lower(first.astype(str)) + "." + np.char.lower(last.astype(str))).astype(str)
    base = np.strings.replace(np.strings.replace(base, "'", ""), " ", "").astype(object)
    return (base + r.integers(1, 99, len(base)).astype(str).astype(object) + "@example.com").astype(object)


def build_residents(seed: int, scale: float, rates: PeopleRates | None = None) -> Residents:
    rates = rates or PeopleRates()
    r = rng(seed, "residents")
    n_house = scaled(190000 / 2.3, scale, 400)
    size = np.clip(r.poisson(1.3, n_house) + 1, 1, 6)
    hh = np.repeat(np.arange(n_house), size)
    n = len(hh)
    first_in_hh = np.concatenate([[True], hh[1:] != hh[:-1]])
    head = np.flatnonzero(first_in_hh)[np.cumsum(first_in_hh) - 1]
    rank = np.arange(n) - head
    hh_surname = draw_surnames(r, n_house)
    surname = hh_surname[hh].copy()
    other = (rank == 1) & (r.random(n) < 0.25)  # partners who kept their own surname
    surname[other] = draw_surnames(r, int(other.sum()))
    adult = rank < 2
    age = np.where(adult, r.integers(18 * 365, 92 * 365, n), r.integers(0, 17 * 365, n))
    dob = TODAY - age.astype("timedelta64[D]")
    gender = np.where(r.random(n) < 0.5, 1, 2)
    # twins: a later-born child shares the birth date of the child before, with another name
    twin = (~adult) & (rank >= 3) & (r.random(n) < rates.twins)
    twin_idx = np.flatnonzero(twin)
    for k in twin_idx:  # in birth order, so that triplets share one date
        dob[k] = dob[k - 1]
    twin_of = np.full(n, -1)
    twin_of[twin_idx - 1] = twin_idx  # the first-born of twins points to the next
    twin_of[twin_idx] = twin_idx - 1  # a later-born to the one before (a middle triplet too)
    birth_year = ymd_parts(dob)[0]
    fn = draw_first_names(r, birth_year, gender == 1)
    triplet = np.isin(twin_idx - 1, twin_idx)  # the child before is itself a twin of the one before it
    for _ in range(10):  # parents do not give twins or triplets one name
        same = (fn[twin_idx] == fn[twin_idx - 1]) | (
            triplet & (fn[twin_idx] == fn[np.maximum(twin_idx - 2, 0)])
        )
        if not same.any():
            break
        fn[twin_idx[same]] = draw_first_names(r, birth_year[twin_idx[same]], gender[twin_idx[same]] == 1)
    middle_pick = draw_first_names(r, birth_year, gender == 1)
    middle = np.where(r.random(n) < 0.3, middle_pick, "").astype(object)
    married_on = _event(r, n, rates.marriage_per_year)
    married_on[~(adult & (gender == 2) & (age < 45 * 365))] = NAT
    married_name = np.where(~np.isnat(married_on), draw_surnames(r, n), "").astype(object)
    addr, pc, uprn = _addresses(r, n_house)
    addr2, pc2, uprn2 = _addresses(r, n_house)
    moved_on = _event(r, n_house, rates.move_per_year)
    email = _emails(r, fn, surname)
    shared = adult & (r.random(n) < rates.shared_email)
    family = (np.char.lower(hh_surname.astype(str)).astype(object) + "family@example.net")[hh]
    email = np.where(shared, family, email)
    has_email = adult | ((age >= 13 * 365) & (r.random(n) < 0.3))  # teenagers, some
    email = np.where(has_email, email, "").astype(object)
    new_email = _emails(r, fn, surname)
    email_changed_on = _event(r, n, rates.email_change_per_year)
    email_changed_on[~has_email | shared] = NAT
    phone = _mobiles(r, n)
    landline_hh = r.random(n_house) < rates.landline_household
    landline = ("01865 " + pad(r.integers(0, 1000000, n_house), 6).astype(object)).astype(object)
    gives = (
        landline_hh[hh] & adult & (r.random(n) < rates.landline_given * np.where(age > 65 * 365, 1.5, 0.7))
    )
    phone = np.where(gives, landline[hh], phone).astype(object)
    phone = np.where(adult | (age >= 14 * 365), phone, "").astype(object)  # young children: no phone
    new_phone = _mobiles(r, n)
    phone_changed_on = _event(r, n, rates.phone_change_per_year)
    phone_changed_on[gives | (phone == "")] = NAT
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
        new_email=new_email,
        email_changed_on=email_changed_on,
        phone=phone,
        new_phone=new_phone,
        phone_changed_on=phone_changed_on,
        address=addr[hh],
        postcode=pc[hh],
        uprn=uprn[hh],
        new_address=addr2[hh],
        new_postcode=pc2[hh],
        new_uprn=uprn2[hh],
        moved_on=moved_on[hh],
        nhs=nhs,
        activity=activity,
        twin_of=twin_of,
        shared_email=shared,
        shared_landline=gives,
        parent=np.where(adult, np.arange(n), head),
        rates=rates,
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
    parent_contact: bool = False,
) -> dict[str, np.ndarray]:
    """How a source system writes these people on these days: current details, with variation.

    Also returns `tags`: per record, which variation it carries (the truth's `variation`).
    With `parent_contact`, children are recorded with a parent's email and phone.
    """
    rates = res.rates
    m = len(who)

    def since(on: np.ndarray) -> np.ndarray:
        return ~np.isnat(on[who]) & (on[who] <= when)

    married, moved = since(res.married_on), since(res.moved_on)
    new_phone, new_email = since(res.phone_changed_on), since(res.email_changed_on)
    first = res.forename[who].copy()
    last = np.where(married, res.married_name[who], res.surname[who]).astype(object)
    dob = res.dob[who].copy()
    email = np.where(new_email, res.new_email[who], res.email[who]).astype(object)
    phone = np.where(new_phone, res.new_phone[who], res.phone[who]).astype(object)
    none = np.zeros(m, dtype=bool)
    nick = initial = typo = swap = stale = none
    if vary and m:
        nickname = nickname_of(r, first)
        nick = (nickname != "") & (r.random(m) < rates.nickname)
        first[nick] = nickname[nick]
        initial = ~nick & (r.random(m) < rates.initial)
        first[initial] = np.strings.slice(first[initial].astype(str), 0, 1).astype(object)
        typo = r.random(m) < rates.typo
        if typo.any():
            last[typo] = _typo(last[typo], r)
        y, mo, d = ymd_parts(dob)
        swap = (d <= 12) & (d != mo) & (r.random(m) < rates.dob_swapped)
        swapped = (y * 10000 + d * 100 + mo)[swap].astype(str)
        dob[swap] = np.array([f"{s[:4]}-{s[4:6]}-{s[6:]}" for s in swapped], dtype="datetime64[D]")
        # the former surname lingers in some systems for a while after marriage
        stale = married & (r.random(m) < rates.maiden_name_lingers)
        last[stale] = res.surname[who][stale]
    child = res.parent[who] != who
    by_parent = child & parent_contact & (r.random(m) < rates.parent_contact) if m else none
    parent = res.parent[who]
    email[by_parent] = np.where(new_email, res.new_email[parent], res.email[parent])[by_parent]
    phone[by_parent] = np.where(new_phone, res.new_phone[parent], res.phone[parent])[by_parent]
    dob[r.random(m) < p_dob_missing] = NAT
    tags = {
        "moved": moved,
        "married_name": married & ~stale,
        "new_phone": new_phone & ~by_parent,
        "new_email": new_email & ~by_parent,
        "nickname": nick,
        "initial": initial,
        "typo": typo,
        "dob_swapped": swap,
        "parent_contact": by_parent,
    }
    return {
        "first_name": first,
        "middle_name": res.middle[who],
        "last_name": last,
        "dob": dob,
        "email": email,
        "phone": phone,
        "address_line1": np.where(moved, res.new_address[who], res.address[who]).astype(object),
        "postcode": np.where(moved, res.new_postcode[who], res.postcode[who]).astype(object),
        "uprn": np.where(moved, res.new_uprn[who], res.uprn[who]).astype(object),
        "tags": tags,
    }


def variation(tags: dict[str, np.ndarray], hidden: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The truth's `variation` of each record: its tags joined by ";", leaving out fields not shown."""
    hidden = hidden or {}
    out = np.full(len(next(iter(tags.values()))), "", dtype=object)
    for tag, on in tags.items():
        shown = on & ~hidden.get(tag, np.zeros(len(on), dtype=bool))
        out[shown] = np.where(out[shown] == "", tag, out[shown] + ";" + tag)
    return out


@dataclass
class PersonIndex:
    """Records of one service system: who, registered when, and the record as written then."""

    system: str
    ids: np.ndarray
    who: np.ndarray
    registered: np.ndarray
    fields: dict[str, np.ndarray]  # as record_people writes them, with `variation`


def build_indexes(seed: int, scale: float, res: Residents, asc_clients: np.ndarray, vary: bool) -> dict:
    """The four service person indexes (adult social care, blue badge, libraries, school admissions)."""
    out = {}
    age = (TODAY - res.dob).astype(np.int64) / 365.25
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
        written = record_people(
            res,
            who,
            registered,
            r,
            vary,
            0.15 if system == "libraries" else 0.02,
            system == "school_admissions",
        )
        written["variation"] = variation(written.pop("tags"))
        prefix = ["ASC", "BB", "LIB", "SA"][k]
        ids = (prefix + pad(np.arange(len(who)) + 1, 7).astype(object)).astype(object)
        out[system] = PersonIndex(system, ids, who, registered, written)
    return out
