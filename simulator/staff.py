"""Staff on positions in cost centres: hires, leavers, org changes, hours changes and absences.

Each position holds a chain of occupants separated by vacancy gaps over the whole horizon, so
headcount stays stable while turnover and vacancies are realistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dates import (
    HORIZON_END,
    HORIZON_START,
    OPEN_END,
    add_workdays,
    count_workdays,
    next_workday,
    pad,
)
from simulator.names import FORENAME_GENDER, FORMAL, SURNAMES
from simulator.org import DIRECTORATES, Org
from simulator.randomness import rng, scaled

NAT = np.datetime64("NaT", "D")
DAY = np.timedelta64(1, "D")
TUPE_LAST_DAY = np.datetime64("2025-10-31", "D")  # a waste service transfers out to a contractor
SPELLS_PER_POSITION = 10
PERSG_P = [0.82, 0.06, 0.09, 0.03]  # 1 permanent, 2 fixed term, 3 casual, 4 apprentice


@dataclass
class Staff:
    pos_cc: np.ndarray
    pos_plans: np.ndarray
    pos_fte: np.ndarray
    pos_begda: np.ndarray
    pos_endda: np.ndarray
    pos_seg_pos: np.ndarray  # POSITIONS records: position index
    pos_seg_begda: np.ndarray
    pos_seg_endda: np.ndarray
    pos_seg_vacant: np.ndarray  # bool
    sp_pos: np.ndarray  # one row per employment spell = one person (PERNR)
    sp_pernr: np.ndarray
    sp_persg: np.ndarray
    sp_begda: np.ndarray
    sp_endda: np.ndarray  # last day of service, OPEN_END if still employed at the horizon end
    sp_created: np.ndarray
    sp_end_known: np.ndarray  # NaT when open
    sp_massg: np.ndarray
    sp_stell: np.ndarray
    sp_stell2: np.ndarray
    sp_change: np.ndarray  # NaT or org change (promotion) date
    sp_wostd: np.ndarray
    sp_wostd2: np.ndarray
    sp_hours_change: np.ndarray  # NaT or new contracted hours from this date
    surname: np.ndarray
    forename: np.ndarray
    gbdat: np.ndarray
    gesch: np.ndarray
    perid: np.ndarray
    ab_sp: np.ndarray  # PA2001 rows (one per version)
    ab_subty: np.ndarray
    ab_begda: np.ndarray
    ab_endda: np.ndarray
    ab_abwtg: np.ndarray
    ab_stdaz_cents: np.ndarray
    ab_aedtm: np.ndarray
    ab_loekz: np.ndarray  # bool
    act_sp: np.ndarray  # PA0000 rows (one per version)
    act_begda: np.ndarray
    act_massn: np.ndarray
    act_massg: np.ndarray
    act_aedtm: np.ndarray
    org_kostl: np.ndarray  # KOSTL text per cost centre (copied from the org for the HR extracts)
    cc_manager: np.ndarray  # VERAK: PERNR of the cost centre's responsible manager


def _days(r: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return r.integers(low, high, n).astype("timedelta64[D]")


def build_staff(seed: int, scale: float, org: Org) -> Staff:
    r = rng(seed, "staff")
    n_pos = scaled(5500 / 0.92, scale, 60)
    shares = np.array([d[2] for d in DIRECTORATES])
    pos_dir = np.concatenate([np.repeat(np.arange(7), 4), r.choice(7, n_pos - 28, p=shares / shares.sum())])
    # a cost centre of the position's directorate, uniformly
    cc_by_dir = [np.flatnonzero(org.directorate == d) for d in range(7)]
    pos_cc = np.empty(n_pos, dtype=np.int64)
    for d in range(7):
        hit = np.flatnonzero(pos_dir == d)
        pos_cc[hit] = cc_by_dir[d][r.integers(0, len(cc_by_dir[d]), len(hit))]
    pos_fte = r.choice([1.0, 0.8, 0.6, 0.5], n_pos, p=[0.70, 0.08, 0.10, 0.12])
    pos_persg = r.choice([1, 2, 3, 4], n_pos, p=PERSG_P)
    pos_stell = 20000000 + pos_cc % 1000 * 0 + r.integers(1, 80, n_pos)
    frozen = r.random(n_pos) < 0.055

    # Occupancy chains: alternating occupied and vacant spells.
    k = SPELLS_PER_POSITION
    mean_tenure = np.select([pos_persg == 1, pos_persg == 3], [365 / 0.075, 365 * 2.5], 0)
    occ = r.exponential(1.0, (n_pos, k)) * mean_tenure[:, None]
    fixed = (pos_persg == 2) | (pos_persg == 4)
    occ[fixed] = r.integers(365, 1096, (fixed.sum(), k))
    occ[pos_persg == 4] = r.integers(365, 731, ((pos_persg == 4).sum(), k))
    occ = np.maximum(occ, 30).astype(np.int64)
    gap = (14 + r.exponential(75, (n_pos, k))).astype(np.int64)
    initially_vacant = r.random(n_pos) < 0.03
    first = HORIZON_START - (r.random(n_pos) * np.minimum(occ[:, 0], 365 * 25)).astype("timedelta64[D]")
    first[initially_vacant] = HORIZON_START + _days(r, 1, 90, initially_vacant.sum())
    starts = np.empty((n_pos, k), dtype="datetime64[D]")
    ends = np.empty((n_pos, k), dtype="datetime64[D]")
    t = first
    for j in range(k):
        starts[:, j] = t
        ends[:, j] = t + occ[:, j].astype("timedelta64[D]") - DAY
        t = ends[:, j] + DAY + gap[:, j].astype("timedelta64[D]")
    starts[:, 1:] = next_workday(starts[:, 1:])  # new starters join on a working day
    starts = np.minimum(starts, np.maximum(ends, starts))

    # TUPE: the largest Waste Management cost centre transfers out.
    waste = np.flatnonzero(org.service == "Waste Management")
    counts = np.bincount(pos_cc, minlength=len(org.kostl))[waste]
    tupe_cc = waste[np.argmax(counts)]
    tupe = pos_cc == tupe_cc
    pos_endda = np.where(tupe, TUPE_LAST_DAY, OPEN_END)

    pos_idx, col = np.nonzero(~frozen[:, None] & (starts <= np.minimum(HORIZON_END, pos_endda)[:, None]))
    sp_begda = starts[pos_idx, col]
    sp_endda = ends[pos_idx, col]
    massg = np.where(np.isin(pos_persg[pos_idx], [2, 4]), "04", "")
    perm = pos_persg[pos_idx] != 2
    perm_reason = r.choice(["01", "02", "03", "05"], len(pos_idx), p=[0.72, 0.18, 0.04, 0.06])
    massg = np.where((massg == "") & perm, perm_reason, massg)
    cut = tupe[pos_idx] & (sp_endda >= TUPE_LAST_DAY)
    sp_endda = np.where(cut, TUPE_LAST_DAY, sp_endda)
    massg = np.where(cut, "06", massg)
    still = sp_endda > HORIZON_END
    sp_endda = np.where(still, OPEN_END, sp_endda)
    massg = np.where(still, "", massg)
    n = len(pos_idx)
    order = np.lexsort((pos_idx, sp_begda))
    pos_idx, sp_begda, sp_endda, massg = pos_idx[order], sp_begda[order], sp_endda[order], massg[order]
    sp_persg = pos_persg[pos_idx]
    sp_created = sp_begda - _days(r, 0, 21, n)
    sp_end_known = np.where(still[order], NAT, sp_endda - _days(r, 0, 15, n))
    sp_end_known = np.where(massg == "06", TUPE_LAST_DAY - np.timedelta64(20, "D"), sp_end_known)

    # Promotions / org changes and changes of contracted hours.
    length = (np.minimum(sp_endda, HORIZON_END) - sp_begda).astype(np.int64)
    change = (r.random(n) < 0.10) & (length > 90)
    sp_change = np.where(
        change, sp_begda + (r.random(n) * np.maximum(length, 1)).astype("timedelta64[D]"), NAT
    )
    sp_change = np.where(change, sp_change.astype("datetime64[M]").astype("datetime64[D]"), NAT)
    sp_change = np.where(sp_change <= sp_begda, NAT, sp_change)
    wostd = np.where(sp_persg == 3, 10.0, np.round(pos_fte[pos_idx] * 37 * 2) / 2)
    hours = (r.random(n) < 0.07) & (length > 120) & (sp_persg != 3)
    sp_hours_change = np.where(
        hours, sp_begda + (r.random(n) * np.maximum(length, 1)).astype("timedelta64[D]"), NAT
    )
    sp_hours_change = np.where(sp_hours_change <= sp_begda, NAT, sp_hours_change)
    wostd2 = np.where(wostd >= 37, r.choice([30.0, 22.5, 18.5], n), 37.0)

    # People
    fn = r.integers(0, len(FORMAL), n)
    gesch = np.where(r.random(n) < 0.01, 3, FORENAME_GENDER[fn])
    age_days = r.integers(18 * 365, 60 * 365, n).astype("timedelta64[D]")
    gbdat = np.maximum(sp_begda, HORIZON_START - np.timedelta64(3650, "D")) - age_days
    letters = np.array(list("ABCEGHJKLMNPRSTWXYZ"), dtype=object)
    perid = (
        letters[r.integers(0, len(letters), n)]
        + letters[r.integers(0, len(letters), n)]
        + pad(r.integers(0, 1000000, n), 6).astype(object)
        + np.array(list("ABCD"), dtype=object)[r.integers(0, 4, n)]
    )

    staff = Staff(
        pos_cc=pos_cc,
        pos_plans=pad(30000000 + np.arange(n_pos) + 1, 8),
        pos_fte=pos_fte,
        pos_begda=np.minimum(CSKS_START, starts[:, 0]),
        pos_endda=pos_endda,
        pos_seg_pos=np.empty(0, np.int64),
        pos_seg_begda=np.empty(0, "datetime64[D]"),
        pos_seg_endda=np.empty(0, "datetime64[D]"),
        pos_seg_vacant=np.empty(0, bool),
        sp_pos=pos_idx,
        sp_pernr=pad(100001 + np.arange(n), 8),
        sp_persg=sp_persg,
        sp_begda=sp_begda,
        sp_endda=sp_endda,
        sp_created=sp_created,
        sp_end_known=sp_end_known,
        sp_massg=massg.astype(object),
        sp_stell=pos_stell[pos_idx],
        sp_stell2=pos_stell[pos_idx] + 100,
        sp_change=sp_change,
        sp_wostd=wostd,
        sp_wostd2=wostd2,
        sp_hours_change=sp_hours_change,
        surname=SURNAMES[r.integers(0, len(SURNAMES), n)],
        forename=FORMAL[fn],
        gbdat=gbdat,
        gesch=gesch,
        perid=perid,
        **_absences(seed, sp_begda, sp_endda, wostd),
        **_actions(seed, sp_begda, sp_endda, sp_created, sp_end_known, massg, sp_change),
        org_kostl=org.kostl,
        cc_manager=_managers(pos_cc[pos_idx], pad(100001 + np.arange(n), 8), len(org.kostl)),
    )
    _position_segments(staff, frozen, starts)
    return staff


CSKS_START = np.datetime64("2010-04-01", "D")


def _managers(spell_cc: np.ndarray, pernr: np.ndarray, n_cc: int) -> np.ndarray:
    """The longest-serving person of each cost centre is its responsible manager (VERAK)."""
    out = np.full(n_cc, pernr[0], dtype=object)
    cc, first = np.unique(spell_cc, return_index=True)  # spells are ordered by start date
    out[cc] = pernr[first]
    return out


def _position_segments(staff: Staff, frozen: np.ndarray, starts: np.ndarray) -> None:
    """POSITIONS validity records: occupied (VACANT blank) and vacant (VACANT X) stretches."""
    n_pos = len(staff.pos_cc)
    occ_pos, occ_b, occ_e = staff.sp_pos, staff.sp_begda, staff.sp_endda
    order = np.lexsort((occ_b, occ_pos))
    occ_pos, occ_b, occ_e = occ_pos[order], occ_b[order], occ_e[order]
    # vacant gap before each occupied spell
    prev_end = np.concatenate([[NAT], occ_e[:-1]])
    new_pos = np.concatenate([[True], occ_pos[1:] != occ_pos[:-1]])
    gap_b = np.where(new_pos, staff.pos_begda[occ_pos], prev_end + DAY)
    has_gap = gap_b < occ_b
    # vacancy after the last occupant, and frozen positions
    last = np.concatenate([occ_pos[1:] != occ_pos[:-1], [True]])
    tail = last & (occ_e < staff.pos_endda[occ_pos]) & (occ_e < HORIZON_END)
    frozen_idx = np.flatnonzero(frozen | (np.bincount(occ_pos, minlength=n_pos) == 0))
    seg_pos = np.concatenate([occ_pos, occ_pos[has_gap], occ_pos[tail], frozen_idx])
    seg_b = np.concatenate([occ_b, gap_b[has_gap], occ_e[tail] + DAY, staff.pos_begda[frozen_idx]])
    seg_e = np.concatenate(
        [
            np.minimum(occ_e, staff.pos_endda[occ_pos]),
            occ_b[has_gap] - DAY,
            staff.pos_endda[occ_pos[tail]],
            staff.pos_endda[frozen_idx],
        ]
    )
    vac = np.concatenate(
        [np.zeros(len(occ_pos), bool), np.ones(has_gap.sum() + tail.sum() + len(frozen_idx), bool)]
    )
    order = np.lexsort((seg_b, seg_pos))
    staff.pos_seg_pos, staff.pos_seg_begda = seg_pos[order], seg_b[order]
    staff.pos_seg_endda, staff.pos_seg_vacant = seg_e[order], vac[order]


def _absences(seed: int, begda: np.ndarray, endda: np.ndarray, wostd: np.ndarray) -> dict:
    """PA2001: sickness (about 8 working days a head a year), leave, other paid and unpaid leave."""
    r = rng(seed, "absences")
    lo = np.maximum(begda, HORIZON_START - np.timedelta64(60, "D"))
    hi = np.minimum(endda, HORIZON_END)
    years = np.maximum((hi - lo).astype(np.int64), 0) / 365.25
    rows = []
    for subty, rate in (("0100", 1.15), ("0200", 5.0), ("0300", 0.5), ("0400", 0.08)):
        count = r.poisson(rate * years)
        sp = np.repeat(np.arange(len(begda)), count)
        m = len(sp)
        span = np.maximum((hi[sp] - lo[sp]).astype(np.int64), 1)
        start = next_workday(lo[sp] + (r.random(m) * span).astype("timedelta64[D]"))
        if subty == "0100":
            kind = r.random(m)
            dur = np.select(
                [kind < 0.75, kind < 0.95],
                [1 + r.geometric(0.45, m) - 1, r.integers(5, 16, m)],
                r.integers(20, 121, m),
            )
        elif subty == "0200":
            dur = r.integers(1, 11, m)
        elif subty == "0300":
            dur = r.integers(1, 3, m)
        else:
            dur = r.integers(1, 6, m)
        end = add_workdays(start, np.maximum(dur, 1) - 1)
        end = np.minimum(end, endda[sp])
        ok = start <= end
        sp, start, end = sp[ok], start[ok], end[ok]
        m = len(sp)
        days = count_workdays(start, end)
        aedtm = start - _days(r, 1, 45, m) if subty in ("0200", "0300") else end + _days(r, 0, 8, m)
        rows.append((sp, np.full(m, subty, dtype=object), start, end, days, aedtm, np.zeros(m, bool)))
        # later versions: cancelled leave (LOEKZ X) and sickness extended after the first record
        redo = np.flatnonzero(r.random(m) < (0.03 if subty == "0200" else 0.02))
        later = aedtm[redo] + _days(r, 1, 20, len(redo))
        if subty == "0200":
            rows.append(
                (
                    sp[redo],
                    np.full(len(redo), subty, dtype=object),
                    start[redo],
                    end[redo],
                    days[redo],
                    np.minimum(later, start[redo]),
                    np.ones(len(redo), bool),
                )
            )
        else:
            new_end = np.minimum(add_workdays(end[redo], r.integers(1, 4, len(redo))), endda[sp[redo]])
            rows.append(
                (
                    sp[redo],
                    np.full(len(redo), subty, dtype=object),
                    start[redo],
                    new_end,
                    count_workdays(start[redo], new_end),
                    later,
                    np.zeros(len(redo), bool),
                )
            )
    sp, subty, b, e, days, aedtm, loekz = (np.concatenate(c) for c in zip(*rows, strict=False))
    order = np.lexsort((b, sp, aedtm))
    hours_per_day = wostd[sp] / 5
    return dict(
        ab_sp=sp[order],
        ab_subty=subty[order],
        ab_begda=b[order],
        ab_endda=e[order],
        ab_abwtg=days[order],
        ab_stdaz_cents=np.round(days * hours_per_day * 100).astype(np.int64)[order],
        ab_aedtm=aedtm[order],
        ab_loekz=loekz[order],
    )


def _actions(seed: int, begda, endda, created, end_known, massg, change) -> dict:
    """PA0000 actions: hire, org change, leaver (BEGDA = day after the last day); a few re-recorded."""
    r = rng(seed, "actions")
    n = len(begda)
    idx = np.arange(n)
    left = ~np.isnat(end_known)
    moved = ~np.isnat(change)
    sp = np.concatenate([idx, idx[moved], idx[left]])
    b = np.concatenate([begda, change[moved], endda[left] + DAY])
    massn = np.concatenate([np.full(n, "01"), np.full(moved.sum(), "02"), np.full(left.sum(), "10")]).astype(
        object
    )
    mg = np.concatenate([np.full(n + moved.sum(), ""), massg[left]]).astype(object)
    aedtm = np.concatenate([created, change[moved] - _days(r, 0, 10, moved.sum()), end_known[left]])
    # a few leaver reasons are corrected later (the latest AEDTM wins)
    redo = np.flatnonzero((massn == "10") & (mg != "06") & (r.random(len(sp)) < 0.03))
    new_reason = np.where(mg[redo] == "01", "02", "01").astype(object)
    sp = np.concatenate([sp, sp[redo]])
    b = np.concatenate([b, b[redo]])
    massn = np.concatenate([massn, massn[redo]])
    mg = np.concatenate([mg, new_reason])
    aedtm = np.concatenate([aedtm, aedtm[redo] + _days(r, 1, 30, len(redo))])
    order = np.lexsort((sp, aedtm))
    return dict(
        act_sp=sp[order],
        act_begda=b[order],
        act_massn=massn[order],
        act_massg=mg[order],
        act_aedtm=aedtm[order],
    )
