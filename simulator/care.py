"""Care placements paid weekly through the care finance system, uploaded to SAP in BDU batches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dates import HORIZON_END, HORIZON_START, fmt_iso, fmt_yyyymmdd, zfill
from simulator.org import Org
from simulator.persons import Residents
from simulator.randomness import rng, scaled

NAT = np.datetime64("NaT", "D")
DAY = np.timedelta64(1, "D")
# service_type, directorate, active placements at scale 1, mean length (days), unit, GBP per unit,
# units per week, GL account (sources: typical county council weekly rates, LaingBuisson / PSSRU)
SERVICE_TYPES = [
    ("Residential", "ADULTS", 1300, 730, "night", 130.0, 7, 550100),
    ("Nursing", "ADULTS", 700, 365, "night", 160.0, 7, 550200),
    ("Home Care", "ADULTS", 1600, 365, "hour", 25.0, 12, 550300),
    ("Supported Living", "ADULTS", 300, 1100, "week", 1500.0, 1, 550400),
    ("Direct Payment", "ADULTS", 900, 730, "week", 350.0, 1, 560100),
    ("Children's Residential", "CHILDRENS", 90, 365, "night", 780.0, 7, 550500),
    ("Independent Fostering Agency", "CHILDRENS", 250, 730, "week", 1000.0, 1, 550600),
    ("In-house Fostering", "CHILDRENS", 450, 730, "week", 400.0, 1, 560200),
]
INDIVIDUAL_TYPES = (4, 7)  # paid to a person: the direct payment recipient, the foster carer


@dataclass
class Placements:
    client: np.ndarray  # resident index
    stype: np.ndarray  # index into SERVICE_TYPES
    start: np.ndarray
    end: np.ndarray
    rate_pence: np.ndarray  # per unit
    units_week: np.ndarray
    kostl: np.ndarray  # cost centre index
    payee: np.ndarray  # resident paid for individual types, else -1
    provider: np.ndarray  # supplier index (filled once suppliers exist)


def build_placements(seed: int, scale: float, res: Residents, org: Org) -> Placements:
    r = rng(seed, "placements")
    age = (np.datetime64("2025-01-01", "D") - res.dob).astype(np.int64) / 365.25
    old = np.flatnonzero(age > 70)
    adult = np.flatnonzero(age >= 18)
    child = np.flatnonzero(age < 17)
    span = (HORIZON_END - HORIZON_START).astype(np.int64)
    parts = []
    for k, (_, direc, active, mean_len, _, rate, per_week, _) in enumerate(SERVICE_TYPES):
        n0 = scaled(active, scale, 3)
        n_new = r.poisson(n0 * span / mean_len)
        n = n0 + n_new
        start = np.concatenate(
            [
                HORIZON_START - r.integers(0, mean_len * 2, n0).astype("timedelta64[D]"),
                HORIZON_START + r.integers(0, span, n_new).astype("timedelta64[D]"),
            ]
        )
        length = np.maximum(r.exponential(mean_len, n), 7).astype(np.int64)
        end = np.concatenate(
            [
                HORIZON_START + length[:n0].astype("timedelta64[D]"),
                start[n0:] + length[n0:].astype("timedelta64[D]"),
            ]
        )
        pool = child if direc == "CHILDRENS" else (old if k in (0, 1) else adult)
        client = pool[r.integers(0, len(pool), n)]
        units = np.full(n, float(per_week)) if per_week != 12 else np.round(r.uniform(4, 30, n) * 4) / 4
        areas = (
            ["Adult Social Care Operations", "Adults Commissioning"]
            if direc == "ADULTS"
            else ["Children's Social Care", "Children's Commissioning"]
        )
        ccs = np.flatnonzero(np.isin(org.service, areas))
        payee = np.full(n, -1)
        if k == 4:
            payee = client.copy()
        elif k == 7:
            payee = adult[r.integers(0, len(adult), n)]
        parts.append(
            (
                client,
                np.full(n, k),
                start,
                end,
                np.round(rate * r.lognormal(0, 0.15, n) * 100).astype(np.int64),
                units,
                ccs[r.integers(0, len(ccs), n)],
                payee,
            )
        )
    client, stype, start, end, rate, units, kostl, payee = (
        np.concatenate(c) for c in zip(*parts, strict=True)
    )
    return Placements(client, stype, start, end, rate, units, kostl, payee, np.full(len(client), -1))


def individual_payees(
    pl: Placements, res: Residents
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One INDV supplier per individually paid placement: (placement rows, names, residents, created)."""
    rows = np.flatnonzero(pl.payee >= 0)
    who = pl.payee[rows]
    names = (res.forename[who] + " " + res.surname[who]).astype(object)
    return rows, names, who, pl.start[rows] - np.timedelta64(14, "D")


def assign_providers(
    seed: int,
    pl: Placements,
    segment: np.ndarray,
    weight: np.ndarray,
    indiv_rows: np.ndarray,
    indiv_supplier: np.ndarray,
) -> None:
    """Placements with agencies and homes go to care_placement suppliers, weighted by size."""
    r = rng(seed, "providers")
    providers = np.flatnonzero(segment == 0)
    p = weight[providers] / weight[providers].sum()
    pl.provider = providers[r.choice(len(providers), len(pl.client), p=p)]
    pl.provider[indiv_rows] = indiv_supplier


@dataclass
class CareWeek:
    """The lines of one weekly care payments file and their BDU batches."""

    monday: np.datetime64
    placement: np.ndarray
    units_cents: np.ndarray  # units x 100
    amount_pence: np.ndarray
    batch: np.ndarray  # batch id text


def care_week(pl: Placements, monday: np.datetime64) -> CareWeek:
    """Payments in arrears for the week before the Monday, one line per active placement."""
    p_start, p_end = monday - 7 * DAY, monday - DAY
    act = np.flatnonzero((pl.start <= p_end) & (pl.end >= p_start))
    days = (np.minimum(pl.end[act], p_end) - np.maximum(pl.start[act], p_start)).astype(np.int64) + 1
    stype = pl.stype[act]
    unit = np.array([s[4] for s in SERVICE_TYPES], dtype=object)[stype]
    units = np.where(unit == "night", days, np.round(pl.units_week[act] * days / 7 * 100) / 100)
    units_cents = np.round(units * 100).astype(np.int64)
    amount = np.round(units_cents * pl.rate_pence[act] / 100).astype(np.int64)
    stamp = str(fmt_yyyymmdd(np.array([monday]))[0])[2:]
    batch = (stamp + zfill((stype + 1).astype(str), 2)).astype(object)
    order = np.lexsort((act, stype))
    return CareWeek(monday, act[order], units_cents[order], amount[order], batch[order])


def care_file_data(
    week: CareWeek, pl: Placements, sup_lifnr: np.ndarray, sup_name: np.ndarray, client_ref: np.ndarray
) -> dict[str, np.ndarray]:
    from simulator.writers import money

    a = week.placement
    n = len(a)
    stamp = str(fmt_yyyymmdd(np.array([week.monday]))[0])
    st = pl.stype[a]
    start = np.full(n, week.monday - 7 * DAY)
    return {
        "payment_line_id": ("PL" + stamp + zfill(np.arange(1, n + 1).astype(str), 6)).astype(object),
        "provider_ref": ("PRV" + sup_lifnr[pl.provider[a]].astype(str)).astype(object),
        "provider_name": sup_name[pl.provider[a]],
        "lifnr": sup_lifnr[pl.provider[a]],
        "client_ref": client_ref[a],
        "service_type": np.array([s[0] for s in SERVICE_TYPES], dtype=object)[st],
        "directorate": np.array([s[1] for s in SERVICE_TYPES], dtype=object)[st],
        "period_start": fmt_iso(start),
        "period_end": fmt_iso(start + 6 * DAY),
        "units": money(week.units_cents),
        "unit": np.array([s[4] for s in SERVICE_TYPES], dtype=object)[st],
        "unit_rate": money(pl.rate_pence[a]),
        "amount_gbp": money(week.amount_pence),
        "bdu_batch_id": week.batch,
    }
