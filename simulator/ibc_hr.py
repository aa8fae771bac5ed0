"""IBC HR extracts: PA0001, PA0002, PA0007, PA0008, POSITIONS, ORGCHART (monthly full snapshots),
PA0000, PA2001 (daily)."""

from __future__ import annotations

import numpy as np

from simulator.dates import OPEN_END, fmt_yyyymmdd, pad
from simulator.layout import header_order
from simulator.org import Org
from simulator.pay import AGREED, GRADES, Pay
from simulator.staff import Staff
from simulator.writers import FileOut, money

DAY = np.timedelta64(1, "D")
FEED = "ibc/hr"


def _stamp(day: np.datetime64) -> str:
    return str(fmt_yyyymmdd(np.array([day]))[0])


def _as_of(created, begda, endda, end_known, day):
    """Snapshot view of validity records: visible once created, end shown once it is known."""
    visible = created <= day
    known = ~np.isnat(end_known) & (end_known <= day)
    return visible, np.where(known, endda, OPEN_END), np.where(known, end_known, created)


def _split(begda, endda, created, end_known, change):
    """Split records at a change date into (before, after) validity records."""
    has = ~np.isnat(change)
    idx = np.concatenate([np.arange(len(begda)), np.flatnonzero(has)])
    second = np.concatenate([np.zeros(len(begda), bool), np.ones(has.sum(), bool)])
    b = np.where(second, change[idx], begda[idx])
    first_cut = has[idx] & ~second
    e = np.where(first_cut, change[idx] - DAY, endda[idx])
    c = np.where(second, change[idx] - np.timedelta64(5, "D"), created[idx])
    k = np.where(first_cut, change[idx] - np.timedelta64(5, "D"), end_known[idx])
    return idx, second, b, e, c, k


def pa0001(staff: Staff, day: np.datetime64) -> FileOut:
    s = staff
    idx, second, b, e, c, k = _split(s.sp_begda, s.sp_endda, s.sp_created, s.sp_end_known, s.sp_change)
    vis, e_out, aedtm = _as_of(c, b, e, k, day)
    idx, second, b, e_out, aedtm = idx[vis], second[vis], b[vis], e_out[vis], aedtm[vis]
    order = np.lexsort((b, idx))
    idx, second, b, e_out, aedtm = idx[order], second[order], b[order], e_out[order], aedtm[order]
    cc = s.pos_cc[s.sp_pos[idx]]
    cols = ["PERNR", "BEGDA", "ENDDA", "PERSG", "KOSTL", "ORGEH", "PLANS", "STELL", "AEDTM"]
    data = {
        "PERNR": s.sp_pernr[idx],
        "BEGDA": fmt_yyyymmdd(b),
        "ENDDA": fmt_yyyymmdd(e_out),
        "PERSG": s.sp_persg[idx].astype(str),
        "KOSTL": s.org_kostl[cc],
        "ORGEH": pad(50000000 + cc, 8),
        "PLANS": s.pos_plans[s.sp_pos[idx]],
        "STELL": pad(np.where(second, s.sp_stell2[idx], s.sp_stell[idx]), 8),
        "AEDTM": fmt_yyyymmdd(aedtm),
    }
    return FileOut(FEED, f"PA0001_{_stamp(day)}.txt", "ibc", header_order("PA0001", cols), data)


def pa0002(staff: Staff, day: np.datetime64) -> FileOut:
    s = staff
    idx = np.flatnonzero(s.sp_created <= day)
    cols = ["PERNR", "NACHN", "VORNA", "GBDAT", "GESCH", "PERID"]
    data = {
        "PERNR": s.sp_pernr[idx],
        "NACHN": s.surname[idx],
        "VORNA": s.forename[idx],
        "GBDAT": fmt_yyyymmdd(s.gbdat[idx]),
        "GESCH": s.gesch[idx].astype(str),
        "PERID": s.perid[idx],
    }
    return FileOut(FEED, f"PA0002_{_stamp(day)}.txt", "ibc", header_order("PA0002", cols), data)


def pa0007(staff: Staff, day: np.datetime64) -> FileOut:
    s = staff
    idx, second, b, e, c, k = _split(s.sp_begda, s.sp_endda, s.sp_created, s.sp_end_known, s.sp_hours_change)
    vis, e_out, aedtm = _as_of(c, b, e, k, day)
    idx, second, b, e_out, aedtm = idx[vis], second[vis], b[vis], e_out[vis], aedtm[vis]
    order = np.lexsort((b, idx))
    idx, second, b, e_out, aedtm = idx[order], second[order], b[order], e_out[order], aedtm[order]
    hours = np.where(second, s.sp_wostd2[idx], s.sp_wostd[idx])
    cols = ["PERNR", "BEGDA", "ENDDA", "WOSTD", "AEDTM"]
    data = {
        "PERNR": s.sp_pernr[idx],
        "BEGDA": fmt_yyyymmdd(b),
        "ENDDA": fmt_yyyymmdd(e_out),
        "WOSTD": money(np.round(hours * 100).astype(np.int64)),
        "AEDTM": fmt_yyyymmdd(aedtm),
    }
    return FileOut(FEED, f"PA0007_{_stamp(day)}.txt", "ibc", header_order("PA0007", cols), data)


def positions(staff: Staff, day: np.datetime64) -> FileOut:
    s = staff
    vis = s.pos_seg_begda <= day
    p = s.pos_seg_pos[vis]
    e = s.pos_seg_endda[vis]
    e_out = np.where(e < day, e, OPEN_END)
    cols = ["PLANS", "KOSTL", "BEGDA", "ENDDA", "FTE", "VACANT"]
    data = {
        "PLANS": s.pos_plans[p],
        "KOSTL": s.org_kostl[s.pos_cc[p]],
        "BEGDA": fmt_yyyymmdd(s.pos_seg_begda[vis]),
        "ENDDA": fmt_yyyymmdd(e_out),
        "FTE": money(np.round(s.pos_fte[p] * 100).astype(np.int64)),
        "VACANT": np.where(s.pos_seg_vacant[vis], "X", ""),
    }
    return FileOut(FEED, f"POSITIONS_{_stamp(day)}.txt", "ibc", header_order("POSITIONS", cols), data)


def _on_day(sorted_days: np.ndarray, day: np.datetime64) -> slice:
    lo, hi = np.searchsorted(sorted_days, [day, day + DAY])
    return slice(int(lo), int(hi))


def pa0000(staff: Staff, day: np.datetime64) -> FileOut:
    s = staff
    w = _on_day(s.act_aedtm, day)
    cols = ["PERNR", "BEGDA", "MASSN", "MASSG", "AEDTM"]
    data = {
        "PERNR": s.sp_pernr[s.act_sp[w]],
        "BEGDA": fmt_yyyymmdd(s.act_begda[w]),
        "MASSN": s.act_massn[w],
        "MASSG": s.act_massg[w],
        "AEDTM": fmt_yyyymmdd(s.act_aedtm[w]),
    }
    return FileOut(FEED, f"PA0000_{_stamp(day)}.txt", "ibc", header_order("PA0000", cols), data)


def pa2001(staff: Staff, day: np.datetime64) -> FileOut:
    s = staff
    w = _on_day(s.ab_aedtm, day)
    cols = ["PERNR", "SUBTY", "BEGDA", "ENDDA", "ABWTG", "STDAZ", "AEDTM", "LOEKZ"]
    data = {
        "PERNR": s.sp_pernr[s.ab_sp[w]],
        "SUBTY": s.ab_subty[w],
        "BEGDA": fmt_yyyymmdd(s.ab_begda[w]),
        "ENDDA": fmt_yyyymmdd(s.ab_endda[w]),
        "ABWTG": s.ab_abwtg[w].astype(str),
        "STDAZ": money(s.ab_stdaz_cents[w]),
        "AEDTM": fmt_yyyymmdd(s.ab_aedtm[w]),
        "LOEKZ": np.where(s.ab_loekz[w], "X", ""),
    }
    return FileOut(FEED, f"PA2001_{_stamp(day)}.txt", "ibc", header_order("PA2001", cols), data)


def csks(org: Org, staff: Staff, day: np.datetime64) -> FileOut:
    from simulator.org import DIRECTORATE_CODES

    vis = org.csks_known <= day
    cc = org.csks_cc[vis]
    end_known = org.csks_end_known[vis]
    datbi = np.where(~np.isnat(end_known) & (end_known <= day), org.csks_datbi[vis], OPEN_END)
    order = np.lexsort((org.csks_datab[vis], cc))
    cols = ["KOSTL", "DATAB", "DATBI", "KTEXT", "ZDIRECT", "ZSERVICE", "VERAK"]
    data = {
        "KOSTL": org.kostl[cc],
        "DATAB": fmt_yyyymmdd(org.csks_datab[vis]),
        "DATBI": fmt_yyyymmdd(datbi),
        "KTEXT": org.csks_ktext[vis],
        "ZDIRECT": DIRECTORATE_CODES[org.csks_dir[vis]],
        "ZSERVICE": org.csks_service[vis],
        "VERAK": staff.cc_manager[cc],
    }
    data = {k: np.asarray(v)[order] for k, v in data.items()}
    return FileOut("ibc/finance", f"CSKS_{_stamp(day)}.txt", "ibc", header_order("CSKS", cols), data)


def pa0008(pay: Pay, staff: Staff, day: np.datetime64) -> FileOut:
    """Basic pay as the snapshot of `day` shows it: a record ends once the next one is keyed (or the
    leaver's end is known), and an award not yet agreed leaves the previous year's rate."""
    vis = pay.rec_created <= day
    sp, year = pay.rec_sp[vis], pay.rec_year[vis]
    nxt = pay.rec_next_created[vis]
    ends_next = ~np.isnat(nxt) & (nxt <= day)
    end_known = staff.sp_end_known[sp]
    ends_leaving = np.isnat(nxt) & ~np.isnat(end_known) & (end_known <= day)
    e_out = np.where(ends_next | ends_leaving, pay.rec_endda[vis], OPEN_END)
    agreed = np.array([AGREED[int(y)] for y in year], dtype="datetime64[D]")
    awarded = agreed <= day
    cents = GRADES.salary(np.where(awarded, year, year - 1), pay.rec_grade[vis], pay.rec_point[vis])
    changed = np.maximum(pay.rec_created[vis], np.where(awarded, agreed, pay.rec_created[vis]))
    changed = np.maximum(changed, np.where(ends_next, nxt, changed))
    changed = np.maximum(changed, np.where(ends_leaving, end_known, changed))
    cols = ["PERNR", "BEGDA", "ENDDA", "TRFGR", "TRFST", "ANSAL", "AEDTM"]
    data = {
        "PERNR": staff.sp_pernr[sp],
        "BEGDA": fmt_yyyymmdd(pay.rec_begda[vis]),
        "ENDDA": fmt_yyyymmdd(e_out),
        "TRFGR": GRADES.code[pay.rec_grade[vis]],
        "TRFST": pad(pay.rec_point[vis] + 1, 2),
        "ANSAL": money(cents),
        "AEDTM": fmt_yyyymmdd(changed),
    }
    return FileOut(
        FEED, f"PA0008_{_stamp(day)}.txt", "ibc", header_order("PA0008", cols), data, cents=cents.copy()
    )


def orgchart(pay: Pay, staff: Staff, day: np.datetime64) -> FileOut:
    """Positions' titles and reporting lines, with the same visibility as POSITIONS."""
    vis = pay.org_begda <= day
    e = pay.org_endda[vis]
    up = pay.org_up[vis]
    cols = ["PLANS", "BEGDA", "ENDDA", "STEXT", "PLANS_UP"]
    data = {
        "PLANS": staff.pos_plans[pay.org_pos[vis]],
        "BEGDA": fmt_yyyymmdd(pay.org_begda[vis]),
        "ENDDA": fmt_yyyymmdd(np.where(e < day, e, OPEN_END)),
        "STEXT": pay.org_stext[vis],
        "PLANS_UP": np.where(up < 0, "", staff.pos_plans[np.maximum(up, 0)]),
    }
    return FileOut(FEED, f"ORGCHART_{_stamp(day)}.txt", "ibc", header_order("ORGCHART", cols), data)
