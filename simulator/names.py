"""Name and place vocabularies. Some names carry Windows-1252 characters (ë, é, á, ') on purpose."""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

# (formal forename, nickname or "" when none, gender 1 male / 2 female)
FORENAMES = [
    ("Robert", "Bob", 1),
    ("William", "Bill", 1),
    ("James", "Jim", 1),
    ("Richard", "Dick", 1),
    ("Michael", "Mike", 1),
    ("David", "Dave", 1),
    ("Thomas", "Tom", 1),
    ("Anthony", "Tony", 1),
    ("Christopher", "Chris", 1),
    ("Daniel", "Dan", 1),
    ("Matthew", "Matt", 1),
    ("Joseph", "Joe", 1),
    ("Edward", "Ted", 1),
    ("Stephen", "Steve", 1),
    ("Andrew", "Andy", 1),
    ("Peter", "Pete", 1),
    ("Oliver", "Olly", 1),
    ("Harry", "", 1),
    ("George", "", 1),
    ("Jack", "", 1),
    ("Mohammed", "", 1),
    ("Arjun", "", 1),
    ("Seán", "", 1),
    ("José", "", 1),
    ("Noah", "", 1),
    ("Leo", "", 1),
    ("Oscar", "", 1),
    ("Kwame", "", 1),
    ("Piotr", "", 1),
    ("Rhys", "", 1),
    ("Elizabeth", "Liz", 2),
    ("Margaret", "Maggie", 2),
    ("Katherine", "Kate", 2),
    ("Jennifer", "Jenny", 2),
    ("Rebecca", "Becky", 2),
    ("Victoria", "Vicky", 2),
    ("Alexandra", "Alex", 2),
    ("Susan", "Sue", 2),
    ("Patricia", "Pat", 2),
    ("Deborah", "Debbie", 2),
    ("Samantha", "Sam", 2),
    ("Jessica", "Jess", 2),
    ("Olivia", "Liv", 2),
    ("Amelia", "Millie", 2),
    ("Charlotte", "Lottie", 2),
    ("Eleanor", "Ellie", 2),
    ("Zoë", "", 2),
    ("Renée", "", 2),
    ("Chloé", "", 2),
    ("Siân", "", 2),
    ("Niamh", "", 2),
    ("Aisha", "", 2),
    ("Priya", "", 2),
    ("Fatima", "", 2),
    ("Isla", "", 2),
    ("Grace", "", 2),
    ("Emily", "", 2),
    ("Sophie", "", 2),
    ("Hannah", "", 2),
    ("Agnieszka", "", 2),
]
FORMAL = np.array([f for f, _, _ in FORENAMES], dtype=object)
NICK = np.array([n for _, n, _ in FORENAMES], dtype=object)
FORENAME_GENDER = np.array([g for _, _, g in FORENAMES])

SURNAMES = np.array(
    [
        "Smith",
        "Jones",
        "Williams",
        "Taylor",
        "Brown",
        "Davies",
        "Evans",
        "Wilson",
        "Thomas",
        "Johnson",
        "Roberts",
        "Robinson",
        "Thompson",
        "Wright",
        "Walker",
        "White",
        "Edwards",
        "Hughes",
        "Green",
        "Hall",
        "Lewis",
        "Harris",
        "Clarke",
        "Patel",
        "Jackson",
        "Wood",
        "Turner",
        "Martin",
        "Cooper",
        "Hill",
        "Ward",
        "Morris",
        "Moore",
        "Clark",
        "Lee",
        "King",
        "Baker",
        "Harrison",
        "Morgan",
        "Allen",
        "James",
        "Scott",
        "Phillips",
        "Watson",
        "Davis",
        "Parker",
        "Price",
        "Bennett",
        "Young",
        "Griffiths",
        "Mitchell",
        "Kelly",
        "Cook",
        "Carter",
        "Richardson",
        "Bailey",
        "Collins",
        "Bell",
        "Shaw",
        "Murphy",
        "Miller",
        "Cox",
        "Richards",
        "Khan",
        "Marshall",
        "Anderson",
        "Simpson",
        "Ellis",
        "Adams",
        "Singh",
        "Begum",
        "Wilkinson",
        "Foster",
        "Chapman",
        "Powell",
        "Webb",
        "Rogers",
        "Gray",
        "Mason",
        "Ali",
        "Hunt",
        "Hussain",
        "Campbell",
        "Matthews",
        "Owen",
        "Palmer",
        "Holmes",
        "Mills",
        "Barnes",
        "Knight",
        "O'Brien",
        "O'Connor",
        "D'Souza",
        "Brontë",
        "Nowak",
        "Kowalski",
        "Okafor",
        "Mensah",
        "Nguyen",
        "MacKenzie-Smith",
        "Fernández",
        "Müller",
        "Chowdhury",
        "Ahmed",
        "Costa",
        "Rossi",
    ],
    dtype=object,
)

STREETS = np.array(
    [
        "High Street",
        "Church Road",
        "Station Road",
        "London Road",
        "Banbury Road",
        "Woodstock Road",
        "Abingdon Road",
        "Cowley Road",
        "Iffley Road",
        "Botley Road",
        "Mill Lane",
        "The Green",
        "Manor Road",
        "Park Road",
        "Victoria Road",
        "Oxford Road",
        "School Lane",
        "Queen Street",
        "Newland",
        "Market Place",
        "Kings Road",
        "Orchard Close",
        "Meadow View",
        "St Clement's Street",
    ],
    dtype=object,
)

# Postcode districts per Oxfordshire district (Cherwell, Oxford, South Oxfordshire, Vale, West).
OX_DISTRICTS = np.array(
    [
        "OX1",
        "OX2",
        "OX3",
        "OX4",
        "OX5",
        "OX7",
        "OX9",
        "OX10",
        "OX11",
        "OX12",
        "OX13",
        "OX14",
        "OX15",
        "OX16",
        "OX17",
        "OX18",
        "OX20",
        "OX25",
        "OX26",
        "OX27",
        "OX28",
        "OX29",
        "OX33",
        "OX39",
        "OX44",
        "OX49",
        "RG9",
    ],
    dtype=object,
)
LOCAL_TOWNS = np.array(
    [
        "Oxford",
        "Banbury",
        "Bicester",
        "Abingdon",
        "Didcot",
        "Witney",
        "Henley-on-Thames",
        "Wallingford",
        "Thame",
        "Wantage",
        "Carterton",
        "Chipping Norton",
        "Kidlington",
    ],
    dtype=object,
)
OTHER_TOWNS = np.array(
    [
        ("Reading", "RG1"),
        ("Swindon", "SN1"),
        ("London", "EC2A"),
        ("Birmingham", "B3"),
        ("Milton Keynes", "MK9"),
        ("High Wycombe", "HP11"),
        ("Northampton", "NN1"),
        ("Bristol", "BS1"),
        ("Manchester", "M2"),
        ("Cheltenham", "GL50"),
    ],
    dtype=object,
)

SUPPLIER_WORDS = np.array(
    [
        "Thames",
        "Cotswold",
        "Cherwell",
        "Vale",
        "Chiltern",
        "Meadow",
        "Oak",
        "Willow",
        "Beacon",
        "Summit",
        "Horizon",
        "Kingfisher",
        "Evenlode",
        "Isis",
        "Windrush",
        "Radcliffe",
        "Sheldon",
        "Bodley",
        "Harcourt",
        "Ashdown",
        "Brightwell",
        "Greenway",
        "Riverside",
        "Northgate",
        "Castle",
        "Crown",
        "Phoenix",
        "Apex",
        "Sterling",
        "Lark",
        "Heron",
        "Falcon",
        "Pinnacle",
        "Compass",
        "Meridian",
        "Keystone",
        "Cornerstone",
    ],
    dtype=object,
)


# --- Residents' names, from published frequency tables (simulator/data/, sources in docs/sources.md) ---

DATA = Path(__file__).parent / "data"
# Mid-2002 population of England and Wales, the population the 2002 surname counts were taken from.
SURNAME_POPULATION = 52_600_000
# Share of the surname tail carried by named surnames outside the published top 50 (the rest of
# SURNAMES: common British names ranked 51-100 and names of the county's communities).
NAMED_TAIL_SHARE = 0.15
# Zipf exponent of the synthetic tail (compound English place-name surnames, ranked in a fixed
# pseudo-random order): flat, so that no tail name is commoner than the 50th published surname.
TAIL_EXPONENT = 0.2


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class NameTables:
    """First names by birth cohort and sex, surnames, and nicknames, with their frequencies."""

    cohorts: np.ndarray  # ONS list years, ascending
    top: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]  # (year, sex) -> names, probabilities
    top_share: dict[tuple[int, str], float]  # share of births with a top-20 name
    tail: dict[str, np.ndarray]  # sex -> names outside any top 20 (equally likely)
    surnames: np.ndarray
    surname_p: np.ndarray
    nicknames: dict[str, list[str]]  # formal name -> nicknames


@cache
def name_tables() -> NameTables:
    """Load the tables once. Within a top 20, births fall with rank as 1/rank (ONS gives ranks)."""
    lists: dict[tuple[int, str], list[str]] = {}
    listed: dict[str, set[str]] = {"M": set(), "F": set()}
    for row in sorted(_csv("first_names_ons.csv"), key=lambda row: int(row["rank"])):
        lists.setdefault((int(row["year"]), row["sex"]), []).append(row["name"])
        listed[row["sex"]].add(row["name"])
    top = {}
    for key, names in lists.items():
        weight = 1.0 / np.arange(1, len(names) + 1)
        top[key] = (np.array(names, dtype=object), weight / weight.sum())
    share = {(int(r["year"]), r["sex"]): float(r["top20_share"]) for r in _csv("first_names_coverage.csv")}
    extra: dict[str, set[str]] = {"M": set(), "F": set()}
    for row in _csv("names_extra.csv"):
        extra[row["sex"]].add(row["name"])
    tail = {sex: np.array(sorted(listed[sex] | extra[sex]), dtype=object) for sex in ("M", "F")}
    ranked = _csv("surnames_ons.csv")
    top_names = [r["surname"] for r in ranked]
    top_p = np.array([int(r["bearers"]) for r in ranked]) / SURNAME_POPULATION
    named = [s for s in SURNAMES if s not in top_names]
    parts = _csv("surname_elements.csv")
    prefixes = [p["text"] for p in parts if p["part"] == "prefix"]
    suffixes = [p["text"] for p in parts if p["part"] == "suffix"]
    compound = sorted(
        {a + b for a in prefixes for b in suffixes} - set(top_names) - set(named),
        key=lambda name: (zlib.crc32(name.encode()), name),
    )
    rest = 1.0 - top_p.sum()
    named_p = np.full(len(named), rest * NAMED_TAIL_SHARE / len(named))
    zipf = 1.0 / np.arange(1, len(compound) + 1) ** TAIL_EXPONENT
    compound_p = rest * (1 - NAMED_TAIL_SHARE) * zipf / zipf.sum()
    nick: dict[str, list[str]] = {}
    for row in _csv("nicknames.csv"):
        nick.setdefault(row["name"], []).append(row["nickname"])
    return NameTables(
        cohorts=np.array(sorted({y for y, _ in top})),
        top=top,
        top_share=share,
        tail=tail,
        surnames=np.array(top_names + named + compound, dtype=object),
        surname_p=np.concatenate([top_p, named_p, compound_p]),
        nicknames=nick,
    )


def draw_first_names(r: np.random.Generator, birth_year: np.ndarray, male: np.ndarray) -> np.ndarray:
    """First names by the birth cohort (nearest ONS list year) and sex of each person."""
    t = name_tables()
    cohort = t.cohorts[np.abs(birth_year[:, None] - t.cohorts[None, :]).argmin(axis=1)]
    out = np.empty(len(birth_year), dtype=object)
    in_top = r.random(len(birth_year))
    for year in t.cohorts:
        for sex, is_sex in (("M", male), ("F", ~male)):
            idx = np.flatnonzero((cohort == year) & is_sex)
            if not len(idx):
                continue
            names, p = t.top[(int(year), sex)]
            top = in_top[idx] < t.top_share[(int(year), sex)]
            out[idx[top]] = names[r.choice(len(names), int(top.sum()), p=p)]
            out[idx[~top]] = t.tail[sex][r.integers(0, len(t.tail[sex]), int((~top).sum()))]
    return out


def draw_surnames(r: np.random.Generator, n: int) -> np.ndarray:
    t = name_tables()
    return t.surnames[r.choice(len(t.surnames), n, p=t.surname_p)]


def nickname_of(r: np.random.Generator, names: np.ndarray) -> np.ndarray:
    """A nickname for each name ("" when the name has none); a name with several picks one."""
    table = name_tables().nicknames
    pick = r.random(len(names))
    out = np.full(len(names), "", dtype=object)
    for i, (name, u) in enumerate(zip(names, pick, strict=True)):
        options = table.get(name)
        if options:
            out[i] = options[int(u * len(options))]
    return out
