"""IBC finance extracts: LFA1 (daily vendor delta), FI_ITEMS and PAYMENTS (daily), BUDGET (yearly)."""

from __future__ import annotations

import numpy as np

from simulator.dates import fiscal_period, fiscal_year, fmt_yyyymmdd, month_index, pad
from simulator.layout import header_order
from simulator.randomness import rng
from simulator.world import World
from simulator.writers import FileOut, money, signed_money

DAY = np.timedelta64(1, "D")
FEED = "ibc/finance"
REVIEW_DAYS = 91  # vendor records are re-confirmed quarterly, so every active vendor is re-sent


def _stamp(day: np.datetime64) -> str:
    return str(fmt_yyyymmdd(np.array([day]))[0])


def lfa1(w: World, day: np.datetime64) -> FileOut:
    s = w.suppliers
    age = (day - s.created).astype(np.int64)
    due = (age >= 0) & (age % REVIEW_DAYS == 0)
    i = np.flatnonzero(due)
    moved = ~np.isnat(s.moved_on[i]) & (s.moved_on[i] <= day)
    cols = ["LIFNR", "NAME1", "ORT01", "PSTLZ", "STCEG", "KTOKK", "ZCRN", "ZSME", "AEDTM"]
    data = {
        "LIFNR": s.lifnr[i],
        "NAME1": s.name[i],
        "ORT01": np.where(moved, s.town2[i], s.town[i]),
        "PSTLZ": np.where(moved, s.postcode2[i], s.postcode[i]),
        "STCEG": s.vat[i],
        "KTOKK": s.ktokk[i],
        "ZCRN": s.crn[i],
        "ZSME": np.where(s.sme[i], "X", ""),
        "AEDTM": np.full(len(i), _stamp(day)),
    }
    return FileOut(FEED, f"LFA1_{_stamp(day)}.txt", "ibc", header_order("LFA1", cols), data)


def fi_items(w: World, day: np.datetime64) -> FileOut:
    ch = w.finance.chunk(int(month_index(np.array([day]))[0]))
    ln = ch.lines
    lo, hi = np.searchsorted(ln.cpudt, [day, day + DAY])
    sl = slice(int(lo), int(hi))
    kostl, lifnr = ln.kostl[sl], ln.lifnr[sl]
    cols = [
        "BUKRS",
        "BELNR",
        "GJAHR",
        "BUZEI",
        "BLART",
        "BLDAT",
        "BUDAT",
        "CPUDT",
        "HKONT",
        "KOSTL",
        "LIFNR",
        "DMBTR",
        "SHKZG",
        "EBELN",
        "ZCONTRACT",
        "XBLNR",
        "SGTXT",
    ]
    n = hi - lo
    data = {
        "BUKRS": np.full(n, "1000"),
        "BELNR": ln.belnr[sl],
        "GJAHR": ln.gjahr[sl].astype(str),
        "BUZEI": pad(ln.buzei[sl], 3),
        "BLART": ln.blart[sl],
        "BLDAT": fmt_yyyymmdd(ln.bldat[sl]),
        "BUDAT": fmt_yyyymmdd(ln.budat[sl]),
        "CPUDT": fmt_yyyymmdd(ln.cpudt[sl]),
        "HKONT": pad(ln.hkont[sl], 6),
        "KOSTL": np.where(kostl >= 0, w.org.kostl[np.maximum(kostl, 0)], ""),
        "LIFNR": np.where(lifnr >= 0, w.suppliers.lifnr[np.maximum(lifnr, 0)], ""),
        "DMBTR": money(ln.cents[sl]),
        "SHKZG": ln.shkzg[sl],
        "EBELN": ln.ebeln[sl],
        "ZCONTRACT": ln.zcontract[sl],
        "XBLNR": ln.xblnr[sl],
        "SGTXT": ln.sgtxt[sl],
    }
    return FileOut(
        FEED,
        f"FI_ITEMS_{_stamp(day)}.txt",
        "ibc",
        header_order("FI_ITEMS", cols),
        data,
        cents=ln.cents[sl].copy(),
    )


def payments(w: World, day: np.datetime64) -> FileOut:
    m = int(month_index(np.array([day]))[0])
    parts = []
    for c in range(max(m - 6, 0), m + 1):
        p = w.finance.chunk(c).payments
        lo, hi = np.searchsorted(p.laufd, [day, day + DAY])
        if hi > lo:
            parts.append((p, slice(int(lo), int(hi))))
    cols = ["LAUFD", "BUKRS", "VBLNR", "LIFNR", "BELNR", "GJAHR", "ZALDT", "RWBTR", "RZAWE"]

    def cat(attr: str) -> np.ndarray:
        return np.concatenate([getattr(p, attr)[s] for p, s in parts]) if parts else np.zeros(0)

    cents = cat("cents").astype(np.int64)
    n = len(cents)
    data = {
        "LAUFD": fmt_yyyymmdd(cat("laufd").astype("datetime64[D]")),
        "BUKRS": np.full(n, "1000"),
        "VBLNR": cat("vblnr").astype(str),
        "LIFNR": w.suppliers.lifnr[cat("lifnr").astype(np.int64)],
        "BELNR": cat("belnr").astype(str),
        "GJAHR": cat("gjahr").astype(np.int64).astype(str),
        "ZALDT": fmt_yyyymmdd(cat("zaldt").astype("datetime64[D]")),
        "RWBTR": money(cents),
        "RZAWE": cat("rzawe").astype(str),
    }
    return FileOut(FEED, f"PAYMENTS_{_stamp(day)}.txt", "ibc", cols, data, cents=cents.copy())


def budget(w: World, day: np.datetime64) -> FileOut:
    """All budget versions issued so far this fiscal year: ORIG on 1 April, revisions later."""
    gjahr = int(fiscal_year(np.array([day]))[0])
    first = np.datetime64(f"{gjahr}-04-01", "D")
    m0 = int(month_index(np.array([first]))[0])
    keys, amounts = [], []
    for c in range(m0, m0 + 12):
        ln = w.finance.chunk(c).lines
        use = (ln.hkont >= 500000) & (ln.hkont < 900000) & (ln.kostl >= 0) & (fiscal_year(ln.budat) == gjahr)
        sign = np.where(ln.shkzg[use] == "S", 1, -1)
        keys.append(
            ln.kostl[use].astype(np.int64) * 10**8 + ln.hkont[use] * 100 + fiscal_period(ln.budat[use])
        )
        amounts.append(ln.cents[use] * sign)
    key, inv = np.unique(np.concatenate(keys), return_inverse=True)
    actual = np.bincount(inv, weights=np.concatenate(amounts)).astype(np.int64)
    r = rng(w.seed, "budget", gjahr)
    cc_gl = key // 100
    _, g = np.unique(cc_gl, return_inverse=True)
    factor = r.uniform(0.92, 1.08, g.max() + 1 if len(g) else 0)[g]
    orig = (np.round(actual * factor / 10000) * 10000).astype(np.int64)
    versions = [("ORIG", orig)]
    issued_rev = [
        (mo, name)
        for mo, name in ((10, "REV1"), (1, "REV2"))
        if np.datetime64(f"{gjahr + (mo < 4)}-{mo:02d}-01", "D") <= day
    ]
    current = orig
    for _mo, name in issued_rev:
        rr = rng(w.seed, "budget", gjahr, name)
        change = rr.uniform(0.9, 1.1, g.max() + 1)[g] if len(g) else np.zeros(0)
        move = (rr.random(g.max() + 1) < 0.15)[g] if len(g) else np.zeros(0, bool)
        current = np.where(move, (np.round(current * change / 10000) * 10000).astype(np.int64), current)
        versions.append((name, current))
    cols = ["GJAHR", "VERSN", "KOSTL", "HKONT", "PERIO", "WTGBTR"]
    n = len(key)
    data = {
        "GJAHR": np.full(n * len(versions), str(gjahr)),
        "VERSN": np.concatenate([np.full(n, v) for v, _ in versions]),
        "KOSTL": np.tile(w.org.kostl[key // 10**8], len(versions)),
        "HKONT": np.tile(pad(key // 100 % 10**6, 6), len(versions)),
        "PERIO": np.tile(pad(key % 100, 2), len(versions)),
        "WTGBTR": np.concatenate([signed_money(a) for _, a in versions]),
    }
    cents = np.concatenate([np.abs(a) for _, a in versions])
    return FileOut(FEED, f"BUDGET_{gjahr}.txt", "ibc", cols, data, cents=cents)
