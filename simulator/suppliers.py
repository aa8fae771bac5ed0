"""Suppliers (the vendor master) and the contracts register that covers some of them.

Spend per supplier is heavy-tailed (lognormal), so a few hundred suppliers take most of the money
and ~4,300 are low value, as in the council's provision-cycle business case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dates import HORIZON_END, HORIZON_START, pad
from simulator.names import LOCAL_TOWNS, OTHER_TOWNS, OX_DISTRICTS, SUPPLIER_WORDS
from simulator.randomness import rng, scaled

NAT = np.datetime64("NaT", "D")

# Supplier segments: (name, sector, share of non-individual suppliers, annual spend GBP through invoices,
#   directorates served with weights, GL accounts, name suffixes, contract categories)
SEGMENTS = [
    (
        "care_placement",
        "care",
        0.06,
        0.0,
        {"ADULTS": 0.75, "CHILDRENS": 0.25},
        [550100],
        ["Care Homes Ltd", "Healthcare Ltd", "Care Services Ltd", "Homecare Ltd", "Fostering Ltd"],
        ["Residential and Nursing Care", "Home Care", "Supported Living", "Children's Placements"],
    ),
    (
        "care_services",
        "care",
        0.10,
        66e6,
        {"ADULTS": 0.45, "CHILDRENS": 0.35, "PUBHEALTH": 0.20},
        [550700, 550800, 540200],
        ["Community Trust", "Support Services", "Health CIC", "Family Support"],
        ["Public Health Services", "Early Help", "Day Opportunities", "Advocacy"],
    ),
    (
        "place",
        "place",
        0.36,
        80e6 * 0.9,
        {"ENVPLACE": 0.8, "FIRE": 0.2},
        [520300, 530200, 540300, 550900, 520200],
        ["Construction Ltd", "Surfacing Ltd", "Transport Ltd", "Waste Ltd", "Engineering Ltd", "Coaches Ltd"],
        ["Highways Maintenance", "Home to School Transport", "Waste Disposal", "Facilities Management"],
    ),
    (
        "corporate",
        "corporate",
        0.43,
        36e6,
        {"RESOURCES": 0.55, "CUSTCULT": 0.45},
        [540100, 540200, 540400, 520100],
        ["Solutions Ltd", "Consulting LLP", "Systems Ltd", "Supplies Ltd"],
        ["ICT", "Professional Services", "Office Supplies", "Catering"],
    ),
    (
        "agency",
        "corporate",
        0.02,
        12e6,
        {"ADULTS": 0.3, "CHILDRENS": 0.35, "ENVPLACE": 0.1, "RESOURCES": 0.15, "CUSTCULT": 0.1},
        [510100, 510200],
        ["Recruitment Ltd", "Staffing Solutions Ltd", "Locums Ltd"],
        ["Agency Staff"],
    ),
    (
        "public",
        "place",
        0.03,
        80e6 * 0.1,
        {"ENVPLACE": 0.6, "PUBHEALTH": 0.4},
        [550900],
        ["District Council", "NHS Foundation Trust", "Town Council"],
        ["Public Sector Partnerships"],
    ),
]
LOTS = np.array(
    [
        "North",
        "South",
        "City",
        "West",
        "Lot 1",
        "Lot 2",
        "Lot 3",
        "Countywide",
        "Cherwell",
        "Vale",
        "Rural",
        "Urban",
    ],
    dtype=object,
)


@dataclass
class Suppliers:
    lifnr: np.ndarray
    name: np.ndarray
    segment: np.ndarray  # index into SEGMENTS, -1 for individuals
    ktokk: np.ndarray
    town: np.ndarray
    postcode: np.ndarray
    town2: np.ndarray  # after a move
    postcode2: np.ndarray
    moved_on: np.ndarray
    vat: np.ndarray
    crn: np.ndarray
    sme: np.ndarray  # bool
    created: np.ndarray
    weight: np.ndarray  # share of its segment's invoice spend
    person: np.ndarray  # resident index for individuals, -1 otherwise


@dataclass
class Contracts:
    ref: np.ndarray
    supplier: np.ndarray
    title: np.ndarray
    category: np.ndarray
    directorate: np.ndarray
    start: np.ndarray
    end: np.ndarray
    ext_months: np.ndarray
    awarded: np.ndarray  # first appears in the register
    annual_pence: np.ndarray
    route: np.ndarray
    terminated_on: np.ndarray
    failing_from: np.ndarray
    blank_lifnr: np.ndarray
    name_as_written: np.ndarray


def build_suppliers(
    seed: int, scale: float, indiv_names: np.ndarray, indiv_person: np.ndarray, indiv_created: np.ndarray
) -> Suppliers:
    """Trading suppliers by segment, then the individuals (foster carers, direct payment recipients)."""
    r = rng(seed, "suppliers")
    n_trade = scaled(2900, scale, 60)
    shares = np.array([s[2] for s in SEGMENTS])
    seg = np.concatenate(
        [
            np.repeat(np.arange(len(SEGMENTS)), 3),
            r.choice(len(SEGMENTS), n_trade - 3 * len(SEGMENTS), p=shares / shares.sum()),
        ]
    )
    seg.sort(kind="stable")
    r.shuffle(seg)
    n = n_trade
    suffix = np.empty(n, dtype=object)
    for k, s in enumerate(SEGMENTS):
        hit = seg == k
        suffix[hit] = np.asarray(s[6], dtype=object)[r.integers(0, len(s[6]), hit.sum())]
    w1 = SUPPLIER_WORDS[r.integers(0, len(SUPPLIER_WORDS), n)]
    w2 = SUPPLIER_WORDS[r.integers(0, len(SUPPLIER_WORDS), n)]
    name = np.where(r.random(n) < 0.5, w1 + " " + suffix, w1 + " " + w2 + " " + suffix).astype(object)
    public = np.array([SEGMENTS[k][0] == "public" for k in seg])
    vcse = (~public) & np.isin(seg, [1, 3]) & (r.random(n) < 0.25)
    name = np.where(vcse, w1 + " Community Trust", name).astype(object)
    ktokk = np.where(public, "PUBL", np.where(vcse, "VCSE", "TRAD")).astype(object)
    local = r.random(n) < 0.42
    town, pc = _place(r, n, local)
    town2, pc2 = _place(r, n, r.random(n) < 0.5)
    moved = r.random(n) < 0.05
    moved_on = np.where(moved, HORIZON_START + r.integers(0, 3600, n).astype("timedelta64[D]"), NAT)
    vat = np.where(
        (ktokk == "TRAD") & (r.random(n) < 0.8), "GB" + pad(r.integers(0, 10**9, n), 9).astype(object), ""
    ).astype(object)
    crn = np.where(ktokk != "PUBL", pad(r.integers(1000000, 14000000, n), 8).astype(object), "").astype(
        object
    )
    crn = np.where(
        (ktokk == "VCSE") & (r.random(n) < 0.5), "CE" + pad(r.integers(0, 10**6, n), 6).astype(object), crn
    ).astype(object)
    sme = (ktokk == "VCSE") | ((ktokk == "TRAD") & (r.random(n) < 0.55))
    created = HORIZON_START - r.integers(30, 4000, n).astype("timedelta64[D]")
    late = r.random(n) < 0.25
    created[late] = HORIZON_START + r.integers(0, (HORIZON_END - HORIZON_START).astype(int), late.sum())
    weight = r.lognormal(0, 1.9, n)
    for k in range(len(SEGMENTS)):
        hit = seg == k
        weight[hit] /= weight[hit].sum()
    m = len(indiv_names)
    ti, ip = _place(r, m, np.ones(m, bool))
    return Suppliers(
        lifnr=pad(np.arange(n + m) + 100001, 10),
        name=np.concatenate([name, indiv_names]).astype(object),
        segment=np.concatenate([seg, np.full(m, -1)]),
        ktokk=np.concatenate([ktokk, np.full(m, "INDV", dtype=object)]),
        town=np.concatenate([town, ti]),
        postcode=np.concatenate([pc, ip]),
        town2=np.concatenate([town2, ti]),
        postcode2=np.concatenate([pc2, ip]),
        moved_on=np.concatenate([moved_on, np.full(m, NAT)]),
        vat=np.concatenate([vat, np.full(m, "", dtype=object)]),
        crn=np.concatenate([crn, np.full(m, "", dtype=object)]),
        sme=np.concatenate([sme, np.zeros(m, bool)]),
        created=np.concatenate([created, indiv_created]),
        weight=np.concatenate([weight, np.zeros(m)]),
        person=np.concatenate([np.full(n, -1), indiv_person]),
    )


def _place(r: np.random.Generator, n: int, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
    tail = (
        " "
        + r.integers(1, 10, n).astype(str).astype(object)
        + letters[r.integers(0, 20, n)]
        + letters[r.integers(0, 20, n)]
    )
    other = OTHER_TOWNS[r.integers(0, len(OTHER_TOWNS), n)]
    town = np.where(local, LOCAL_TOWNS[r.integers(0, len(LOCAL_TOWNS), n)], other[:, 0]).astype(object)
    district = np.where(local, OX_DISTRICTS[r.integers(0, len(OX_DISTRICTS) - 1, n)], other[:, 1]).astype(
        object
    )
    return town, (district + tail).astype(object)


def build_contracts(seed: int, sup: Suppliers) -> Contracts:
    """Chains of contracts for the larger suppliers: re-let to the incumbent or left to lapse."""
    from simulator.org import DIRECTORATE_CODES

    r = rng(seed, "contracts")
    trade = np.flatnonzero(sup.segment >= 0)
    seg = sup.segment[trade]
    rank_in_seg = np.empty(len(trade))
    for k in range(len(SEGMENTS)):
        hit = np.flatnonzero(seg == k)
        order = np.argsort(-sup.weight[trade][hit])
        rank_in_seg[hit[order]] = np.arange(len(hit)) / max(len(hit), 1)
    cut = np.where(np.array([SEGMENTS[k][0] in ("care_placement", "agency") for k in seg]), 0.6, 0.12)
    chosen = trade[(rank_in_seg < cut) | (rank_in_seg == 0)]
    k_max = 5
    m = len(chosen)
    dur = r.integers(2, 6, (m, k_max)) * 365
    start = np.empty((m, k_max), dtype="datetime64[D]")
    start[:, 0] = HORIZON_START - r.integers(0, 4 * 365, m).astype("timedelta64[D]")
    for j in range(1, k_max):
        start[:, j] = start[:, j - 1] + dur[:, j - 1].astype("timedelta64[D]")
    start = start.astype("datetime64[M]").astype("datetime64[D]")
    end = np.empty_like(start)
    end[:, :-1] = start[:, 1:] - np.timedelta64(1, "D")
    end[:, -1] = start[:, -1] + np.timedelta64(3 * 365, "D")
    lapse = r.random((m, k_max)) < 0.2  # the chain stops: no successor
    alive = np.cumprod(~np.concatenate([np.zeros((m, 1), bool), lapse[:, :-1]], axis=1), axis=1).astype(bool)
    alive &= start <= HORIZON_END
    ci, cj = np.nonzero(alive)
    s = chosen[ci]
    n = len(s)
    segs = sup.segment[s]
    dirs = np.empty(n, dtype=object)
    cats = np.empty(n, dtype=object)
    for k, spec in enumerate(SEGMENTS):
        hit = segs == k
        names = list(spec[4])
        p = np.array(list(spec[4].values()))
        dirs[hit] = np.asarray(names, dtype=object)[r.choice(len(names), hit.sum(), p=p / p.sum())]
        cats[hit] = np.asarray(spec[7], dtype=object)[r.integers(0, len(spec[7]), hit.sum())]
    lot = LOTS[(s * 7 + 3) % len(LOTS)]
    category = (cats + " - " + lot).astype(object)
    # the same (category, directorate) keeps the chain together; directorate is fixed per supplier chain
    dirs = _first_per(ci, dirs)
    category = _first_per(ci, category)
    assert set(dirs) <= set(DIRECTORATE_CODES)
    year = start[ci, cj].astype("datetime64[Y]").astype(int) + 1970
    ref = ("OCC-" + year.astype(str).astype(object) + "-" + pad(np.arange(n) + 1, 5).astype(object)).astype(
        object
    )
    annual = np.maximum(
        sup.weight[s] * np.array([SEGMENTS[k][3] for k in segs]) * 0.8, 20000 + r.random(n) * 5e5
    )
    route = r.choice(
        np.array(["Open", "Framework call-off", "Direct award", "Quotation"], dtype=object),
        n,
        p=[0.35, 0.35, 0.1, 0.2],
    )
    terminated = r.random(n) < 0.03
    t_start, t_end = start[ci, cj], end[ci, cj]
    span = np.maximum((t_end - t_start).astype(np.int64), 2)
    terminated_on = np.where(terminated, t_start + (r.random(n) * span).astype("timedelta64[D]"), NAT)
    failing = (~terminated) & (r.random(n) < 0.05)
    failing_from = np.where(failing, t_start + (r.random(n) * span).astype("timedelta64[D]"), NAT)
    name_written = np.where(r.random(n) < 0.1, np.char.upper(sup.name[s].astype(str)), sup.name[s]).astype(
        object
    )
    return Contracts(
        ref=ref,
        supplier=s,
        title=(cats + " services (" + lot + ")").astype(object),
        category=category,
        directorate=dirs,
        start=t_start,
        end=t_end,
        ext_months=r.choice([0, 12, 24], n, p=[0.5, 0.3, 0.2]),
        awarded=t_start - r.integers(30, 270, n).astype("timedelta64[D]"),
        annual_pence=(annual * 100).astype(np.int64),
        route=route,
        terminated_on=terminated_on,
        failing_from=failing_from,
        blank_lifnr=(r.random(n) < 0.2) & (sup.crn[s] != ""),
        name_as_written=name_written,
    )


def _first_per(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Give every row the value of the first row of its group (rows are grouped contiguously)."""
    first = np.concatenate([[True], group[1:] != group[:-1]])
    return values[np.flatnonzero(first)[np.cumsum(first) - 1]]
