"""The council's organisation: directorates, service areas and cost centres with their CSKS history."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dates import HORIZON_END, HORIZON_START, OPEN_END, pad
from simulator.randomness import rng, scaled

# ZDIRECT code, name, share of staff, service areas (ZSERVICE texts).
DIRECTORATES = [
    (
        "ADULTS",
        "Adult Services",
        0.15,
        ["Adult Social Care Operations", "Adults Commissioning", "Provider Services"],
    ),
    (
        "CHILDRENS",
        "Children's Services",
        0.24,
        ["Children's Social Care", "Education and Learning", "SEND Services", "Children's Commissioning"],
    ),
    ("PUBHEALTH", "Public Health", 0.03, ["Public Health"]),
    (
        "ENVPLACE",
        "Environment and Place",
        0.17,
        ["Highways and Transport", "Waste Management", "Planning and Growth", "Property and Facilities"],
    ),
    ("FIRE", "Fire and Rescue", 0.12, ["Fire Operations", "Community Safety"]),
    ("RESOURCES", "Resources", 0.15, ["Finance", "Human Resources", "ICT", "Legal Services", "Procurement"]),
    (
        "CUSTCULT",
        "Customers, Culture and Corporate Services",
        0.14,
        [
            "Customer Service Centre",
            "Libraries and Heritage",
            "Registration Service",
            "Trading Standards",
            "Communications",
        ],
    ),
]
DIRECTORATE_CODES = np.array([d[0] for d in DIRECTORATES], dtype=object)
LOCALITIES = np.array(
    [
        "Oxford City",
        "North",
        "South",
        "West",
        "Central",
        "Countywide",
        "Cherwell",
        "Vale",
        "Team A",
        "Team B",
        "Team C",
        "Business Support",
    ],
    dtype=object,
)
CSKS_FIRST_VALID = np.datetime64("2010-04-01", "D")


@dataclass
class Org:
    """Cost centres (one row each) and their CSKS validity records (one or two per cost centre)."""

    kostl: np.ndarray  # text, 10 digits
    directorate: np.ndarray  # index into DIRECTORATES (the original one)
    service: np.ndarray  # ZSERVICE text
    # CSKS records
    csks_cc: np.ndarray  # cost centre index
    csks_datab: np.ndarray
    csks_datbi: np.ndarray  # real end (OPEN_END when still valid)
    csks_known: np.ndarray  # the day the record becomes visible in the extract
    csks_end_known: np.ndarray  # the day its end date becomes visible (NaT: open)
    csks_ktext: np.ndarray
    csks_dir: np.ndarray  # directorate index of the record
    csks_service: np.ndarray

    def directorate_on(self, cc: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Directorate index of cost centres on given days (follows the CSKS history)."""
        cc = np.asarray(cc)
        out = self.directorate[cc].copy()
        for r in np.flatnonzero(self.csks_datab > CSKS_FIRST_VALID):
            hit = (cc == self.csks_cc[r]) & (day >= self.csks_datab[r])
            out[hit] = self.csks_dir[r]
        return out


def build_org(seed: int, scale: float) -> Org:
    r = rng(seed, "org")
    per_area = scaled(9, scale, 2)
    kostl, direc, service, ktext = [], [], [], []
    for d, (_, _, _, areas) in enumerate(DIRECTORATES):
        for a, area in enumerate(areas):
            for i in range(per_area):
                kostl.append((d + 1) * 100000 + (a + 1) * 1000 + i + 1)
                direc.append(d)
                service.append(area)
                ktext.append(f"{area} - {LOCALITIES[i % len(LOCALITIES)]}")
    n = len(kostl)
    org_dir = np.array(direc)
    org_service = np.array(service, dtype=object)
    ktext = np.array(ktext, dtype=object)
    # Some cost centres are renamed or move directorate once (a second CSKS validity record).
    n_change = max(3, int(round(0.06 * n)))
    changed = np.sort(r.choice(n, size=n_change, replace=False))
    change_day = HORIZON_START + r.integers(200, (HORIZON_END - HORIZON_START).astype(int) - 200, n_change)
    change_day = change_day.astype("datetime64[M]").astype(
        "datetime64[D]"
    )  # reorganisations start on the 1st
    moves = r.random(n_change) < 0.5
    moves[0] = True
    new_dir = org_dir[changed].copy()
    new_dir[moves] = (org_dir[changed][moves] + r.integers(1, len(DIRECTORATES), moves.sum())) % len(
        DIRECTORATES
    )
    new_text = np.where(moves, ktext[changed], ktext[changed] + " (restructured)")
    datbi = np.full(n, OPEN_END)
    datbi[changed] = change_day - np.timedelta64(1, "D")
    known = np.full(n, CSKS_FIRST_VALID)
    end_known = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    end_known[changed] = change_day - np.timedelta64(30, "D")
    return Org(
        kostl=pad(np.array(kostl), 10),
        directorate=org_dir,
        service=org_service,
        csks_cc=np.concatenate([np.arange(n), changed]),
        csks_datab=np.concatenate([np.full(n, CSKS_FIRST_VALID), change_day]),
        csks_datbi=np.concatenate([datbi, np.full(n_change, OPEN_END)]),
        csks_known=np.concatenate([known, change_day - np.timedelta64(30, "D")]),
        csks_end_known=np.concatenate(
            [end_known, np.full(n_change, np.datetime64("NaT"), dtype="datetime64[D]")]
        ),
        csks_ktext=np.concatenate([ktext, new_text]),
        csks_dir=np.concatenate([org_dir, new_dir]),
        csks_service=np.concatenate([org_service, org_service[changed]]),
    )
