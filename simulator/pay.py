"""Basic pay (PA0008) and reporting lines (ORGCHART) of the council's staff and positions.

Pay follows local government practice: NJC grades GR01-GR15 on a spine of pay points, senior
(JNC) grades SM1-SM4 and CEX with a few points each; staff move up one point each 1 April until
the top of their grade; the national pay award takes effect on 1 April but is usually agreed
months later and then backdated, so a snapshot between April and the agreement still shows the
old rate. A regrading (the staff module's org change) starts a record on the next grade. The
senior structure: one chief executive, one director per directorate, a head of each service area;
everyone else reports to the head of their service (or their director where the service has none
in that directorate). Drawn from its own random stream: the staff and finance of a seed do not
change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dates import HORIZON_END, HORIZON_START, OPEN_END
from simulator.org import CSKS_FIRST_VALID, DIRECTORATES, Org
from simulator.randomness import rng
from simulator.staff import Staff

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")
# The IBC's SAP HR went live on 1 April 2017; the history before it was not migrated, so the first
# PA0008 record of a person hired earlier starts on the go-live date.
GO_LIVE = np.datetime64("2017-04-01", "D")
FIRST_YEAR, LAST_YEAR = 2016, 2028
# Pay awards by pay year (effective 1 April): NJC (flat GBP or percent) and JNC (percent), and the
# day each was agreed (backdated to 1 April when later).
AWARDS = {
    2017: (("pct", 1.0), 1.0, "2016-04-01"),
    2018: (("pct", 2.0), 2.0, "2018-04-10"),
    2019: (("pct", 2.0), 2.0, "2018-04-10"),
    2020: (("pct", 2.75), 2.75, "2020-10-29"),
    2021: (("pct", 1.75), 1.5, "2022-02-28"),
    2022: (("flat", 1925.0), 3.5, "2022-11-01"),
    2023: (("flat", 1925.0), 3.5, "2023-11-01"),
    2024: (("flat", 1290.0), 2.5, "2024-10-22"),
    2025: (("pct", 3.2), 3.2, "2025-07-21"),
    2026: (("pct", 3.0), 3.0, "2026-06-01"),
    2027: (("pct", 3.0), 3.0, "2027-06-01"),
    2028: (("pct", 3.0), 3.0, "2028-06-01"),
}
# NJC spine 2024/25 (SCP 2 = GBP 23,656, about 2.17 % a point) and the first point of each grade.
SPINE_POINTS = np.arange(2, 44)
NJC_2024 = np.round(23656 * 1.0217 ** (SPINE_POINTS - 2))
NJC_FIRST = [2, 3, 5, 7, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 40]
NJC_POINTS = 4
# Senior grades 2024/25: pay points in GBP.
SENIOR = {
    "SM1": [62000, 64500, 67000, 69500],
    "SM2": [78000, 82000, 86000, 90000],
    "SM3": [105000, 110000, 115000, 120000],
    "SM4": [135000, 142000, 149000, 156000],
    "CEX": [195000, 202000, 209000],
}
DIRECTOR_TITLES = {
    "ADULTS": "Director of Adult Social Care",
    "CHILDRENS": "Director of Children's Services",
    "PUBHEALTH": "Director of Public Health",
    "ENVPLACE": "Corporate Director Environment and Place",
    "FIRE": "Chief Fire Officer",
    "RESOURCES": "Executive Director of Resources",
    "CUSTCULT": "Director of Customers, Culture and Corporate Services",
}
RETITLED = ("ENVPLACE", np.datetime64("2024-06-01", "D"), "Executive Director of Place")
ROLES = ["Assistant", "Officer", "Officer", "Senior Officer", "Team Manager", "Service Manager"]


@dataclass
class Grades:
    """Every grade: its code, its pay points and the salary of each point by pay year (pence)."""

    code: np.ndarray  # grade code per grade index
    n_points: np.ndarray
    senior: np.ndarray  # bool: JNC grade
    cents: np.ndarray  # [year - FIRST_YEAR, grade, point index] pence

    def salary(self, year: np.ndarray, grade: np.ndarray, point: np.ndarray) -> np.ndarray:
        return self.cents[year - FIRST_YEAR, grade, point]


def build_grades() -> Grades:
    codes = [f"GR{g + 1:02d}" for g in range(len(NJC_FIRST))] + list(SENIOR)
    n_points = [NJC_POINTS] * len(NJC_FIRST) + [len(v) for v in SENIOR.values()]
    senior = [False] * len(NJC_FIRST) + [True] * len(SENIOR)
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    njc = np.zeros((len(years), len(SPINE_POINTS)))
    jnc = np.zeros((len(years), len(SENIOR), 4))
    base = years.tolist().index(2024)
    njc[base] = NJC_2024
    for i, values in enumerate(SENIOR.values()):
        jnc[base, i, : len(values)] = values
    for y in range(base + 1, len(years)):  # forward: apply the award of year y
        (kind, value), pct, _ = AWARDS[int(years[y])]
        njc[y] = njc[y - 1] + value if kind == "flat" else njc[y - 1] * (1 + value / 100)
        jnc[y] = jnc[y - 1] * (1 + pct / 100)
    for y in range(base - 1, -1, -1):  # backward: undo the award of year y + 1
        (kind, value), pct, _ = AWARDS[int(years[y + 1])]
        njc[y] = njc[y + 1] - value if kind == "flat" else njc[y + 1] / (1 + value / 100)
        jnc[y] = jnc[y + 1] / (1 + pct / 100)
    cents = np.zeros((len(years), len(codes), 4), dtype=np.int64)
    for g, first in enumerate(NJC_FIRST):
        cents[:, g, :] = np.round(njc[:, first - 2 : first - 2 + NJC_POINTS]) * 100
    cents[:, len(NJC_FIRST) :, :] = np.round(jnc) * 100
    return Grades(np.array(codes, dtype=object), np.array(n_points), np.array(senior), cents)


GRADES = build_grades()
GRADE = {str(code): i for i, code in enumerate(GRADES.code)}
AGREED = {year: np.datetime64(day, "D") for year, (_, _, day) in AWARDS.items()}


@dataclass
class Pay:
    """PA0008 records (one per person and validity) and ORGCHART records (one per position and validity)."""

    rec_sp: np.ndarray  # staff spell (person) index
    rec_begda: np.ndarray
    rec_endda: np.ndarray  # true end
    rec_grade: np.ndarray
    rec_point: np.ndarray  # index into the grade's points
    rec_year: np.ndarray  # pay year whose rates apply
    rec_created: np.ndarray  # first day the record is in the extract
    rec_next_created: np.ndarray  # the day the next record of the person appears (NaT: last record)
    org_pos: np.ndarray
    org_begda: np.ndarray
    org_endda: np.ndarray
    org_stext: np.ndarray
    org_up: np.ndarray  # position index reported to, -1 for the chief executive
    pos_tier: np.ndarray  # 1 chief executive, 2 director, 3 head of service, 4 other


def pay_year(days: np.ndarray) -> np.ndarray:
    """The pay year (1 April to 31 March) of each day."""
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return years - (months < 4)


def april(year: int) -> np.datetime64:
    return np.datetime64(f"{year}-04-01", "D")


def _senior_structure(staff: Staff, org: Org) -> tuple[np.ndarray, np.ndarray]:
    """Tier (1-4) and, for tiers 1-3, the title of every position."""
    n_pos = len(staff.pos_cc)
    moved = np.bincount(org.csks_cc, minlength=len(org.kostl)) > 1
    persg = np.zeros(n_pos, dtype=np.int64)
    persg[staff.sp_pos] = staff.sp_persg
    candidate = (
        ~moved[staff.pos_cc]
        & (staff.pos_endda == OPEN_END)
        & (np.bincount(staff.sp_pos, minlength=n_pos) > 0)
        & (persg == 1)
        & (staff.pos_fte == 1.0)
    )
    tier = np.full(n_pos, 4)
    title = np.full(n_pos, "", dtype=object)
    pos_dir = org.directorate[staff.pos_cc]
    codes = [d[0] for d in DIRECTORATES]

    # The best-filled positions carry the senior roles (a chief executive's post is rarely empty).
    start = np.maximum(staff.sp_begda, HORIZON_START)
    days = np.maximum((np.minimum(staff.sp_endda, HORIZON_END) - start).astype(np.int64), 0)
    occupied = np.bincount(staff.sp_pos, weights=days, minlength=n_pos)

    def take(mask: np.ndarray, level: int, text: str) -> None:
        hit = np.flatnonzero(mask & candidate & (tier == 4))
        if len(hit):
            best = hit[np.argmax(occupied[hit])]
            tier[best], title[best] = level, text

    take(pos_dir == codes.index("RESOURCES"), 1, "Chief Executive")
    for d, code in enumerate(codes):
        take(pos_dir == d, 2, DIRECTOR_TITLES[code])
        for area in DIRECTORATES[d][3]:
            if DIRECTOR_TITLES[code].endswith(area):
                continue  # Public Health: the director heads the service
            take((pos_dir == d) & (org.service[staff.pos_cc] == area), 3, f"Head of {area}")
    return tier, title


def build_pay(seed: int, staff: Staff, org: Org) -> Pay:
    r = rng(seed, "pay")
    tier, title = _senior_structure(staff, org)
    n_pos = len(staff.pos_cc)
    # Grade of each position: NJC grades by role, senior grades for the top three tiers.
    pos_grade = np.minimum(np.round(r.triangular(0, 5, 14.99, n_pos)).astype(np.int64), 14)
    persg = np.zeros(n_pos, dtype=np.int64)
    persg[staff.sp_pos] = staff.sp_persg
    pos_grade = np.where(persg == 3, r.integers(1, 4, n_pos), pos_grade)  # casual
    pos_grade = np.where(persg == 4, 0, pos_grade)  # apprentice
    head = np.where(r.random(n_pos) < 0.3, GRADE["SM1"], GRADE["SM2"])
    director = np.where(title == DIRECTOR_TITLES["PUBHEALTH"], GRADE["SM3"], GRADE["SM4"])
    pos_grade = np.select([tier == 1, tier == 2, tier == 3], [GRADE["CEX"], director, head], pos_grade)
    records = _pay_records(r, staff, pos_grade)
    return Pay(**records, **_org_chart(staff, org, tier, title, pos_grade))


def _pay_records(r: np.random.Generator, staff: Staff, pos_grade: np.ndarray) -> dict:
    """One record per person and pay year from hire (or go-live), split at a regrading."""
    rows: list[tuple] = []
    start_point = r.random(len(staff.sp_pos))
    for sp in range(len(staff.sp_pos)):
        begda = max(staff.sp_begda[sp], GO_LIVE)
        endda = min(staff.sp_endda[sp], HORIZON_END)
        if begda > endda:
            continue
        grade = int(pos_grade[staff.sp_pos[sp]])
        top = int(GRADES.n_points[grade]) - 1
        hired_before = staff.sp_begda[sp] < GO_LIVE
        point = min(top, int(start_point[sp] * (top + 1))) if hired_before else 0
        change = staff.sp_change[sp]
        regrade = not np.isnat(change) and not GRADES.senior[grade] and grade < len(NJC_FIRST) - 1
        created = GO_LIVE if hired_before else staff.sp_created[sp]
        start = begda
        year = int(pay_year(np.array([begda]))[0])
        while True:
            nxt = min([april(year + 1)] + ([change] if regrade and start < change else []))
            rows.append((sp, start, min(nxt - DAY, endda), grade, point, year, created))
            if nxt > endda:
                break
            created = NAT
            if nxt == april(year + 1):
                year += 1
                served = (nxt - staff.sp_begda[sp]).astype(np.int64) >= 183
                moves = served and point < top
                point += int(moves)
                # an increment is keyed before April's pay; a pay award alone once it is agreed
                created = nxt - 10 * DAY if moves else max(AGREED[year], nxt - 10 * DAY)
            if regrade and nxt == change:
                grade, point = _regraded(year, grade, point)
                top, regrade = NJC_POINTS - 1, False
                created = min(created, change - 5 * DAY) if not np.isnat(created) else change - 5 * DAY
            start = nxt
    sp, b, e, g, p, y, c = (np.array(col) for col in zip(*rows, strict=True))
    b, e, c = (np.asarray(a, dtype="datetime64[D]") for a in (b, e, c))
    same = np.concatenate([sp[1:] == sp[:-1], [False]])
    next_created = np.where(same, np.concatenate([c[1:], [NAT]]), NAT)
    return dict(
        rec_sp=sp,
        rec_begda=b,
        rec_endda=e,
        rec_grade=g,
        rec_point=p,
        rec_year=y,
        rec_created=c,
        rec_next_created=next_created.astype("datetime64[D]"),
    )


def _regraded(year: int, grade: int, point: int) -> tuple[int, int]:
    """The next grade up, on its first point paying more than the current one (or its top)."""
    salary = GRADES.salary(np.array([year]), np.array([grade]), np.array([point]))[0]
    above = GRADES.cents[year - FIRST_YEAR, grade + 1, :NJC_POINTS] > salary
    return grade + 1, int(np.argmax(above)) if above.any() else NJC_POINTS - 1


def _org_chart(staff: Staff, org: Org, tier: np.ndarray, title: np.ndarray, pos_grade: np.ndarray) -> dict:
    """ORGCHART records: each position's title and the position it reports to, split where its cost
    centre moves directorate or a director is retitled."""
    n_pos = len(staff.pos_cc)
    codes = [d[0] for d in DIRECTORATES]
    cex = int(np.flatnonzero(tier == 1)[0])
    directors = np.flatnonzero(tier == 2)
    director = {int(org.directorate[staff.pos_cc[p]]): int(p) for p in directors}
    head = {
        (int(org.directorate[staff.pos_cc[p]]), str(org.service[staff.pos_cc[p]])): int(p)
        for p in np.flatnonzero(tier == 3)
    }
    role = np.array(ROLES, dtype=object)[np.minimum(pos_grade * len(ROLES) // 15, len(ROLES) - 1)]
    rows = []
    for p in range(n_pos):
        cc = staff.pos_cc[p]
        changes = [(CSKS_FIRST_VALID, int(org.directorate[cc]))]
        changes += [
            (org.csks_datab[i], int(org.csks_dir[i]))
            for i in np.flatnonzero((org.csks_cc == cc) & (org.csks_datab > CSKS_FIRST_VALID))
        ]
        text = str(title[p]) or f"{org.service[cc]} {role[p]}"
        if tier[p] == 2 and codes[int(org.directorate[cc])] == RETITLED[0]:
            changes.append((RETITLED[1], int(org.directorate[cc])))
        changes.sort(key=lambda c: c[0])
        begda = staff.pos_begda[p]
        for k, (valid_from, d) in enumerate(changes):
            start = max(begda, valid_from)
            end = changes[k + 1][0] - DAY if k + 1 < len(changes) else staff.pos_endda[p]
            if start > end:
                continue
            if tier[p] == 1:
                up = -1
            elif tier[p] == 2:
                up = cex
            elif tier[p] == 3:
                up = director.get(d, cex)
            else:
                up = head.get((d, str(org.service[cc])), director.get(d, cex))
            retitled = tier[p] == 2 and k > 0 and valid_from == RETITLED[1]
            rows.append((p, start, end, RETITLED[2] if retitled else text, up))
    pos, b, e, t, up = (np.array(col, dtype=object) for col in zip(*rows, strict=True))
    return dict(
        org_pos=pos.astype(np.int64),
        org_begda=b.astype("datetime64[D]"),
        org_endda=e.astype("datetime64[D]"),
        org_stext=t,
        org_up=up.astype(np.int64),
        pos_tier=tier,
    )
