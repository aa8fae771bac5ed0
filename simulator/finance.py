"""SAP finance documents and payment runs, generated one calendar month (chunk) at a time.

A chunk holds the documents entered in its month and the payments of those documents (which
fall in later months), so any day's FI_ITEMS and PAYMENTS are a deterministic function of the
world and a few chunks, whatever range a call writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.care import SERVICE_TYPES, CareWeek, Placements, care_week
from simulator.dates import (
    add_workdays,
    fiscal_period,
    fiscal_year,
    is_workday,
    month_bounds,
    next_workday,
    pad,
)
from simulator.org import DIRECTORATE_CODES, Org
from simulator.randomness import rng
from simulator.suppliers import SEGMENTS, Contracts, Suppliers

DAY = np.timedelta64(1, "D")
CREDITORS, VAT_GL, PAYROLL_CONTROL, CASH = 160000, 165000, 190000, 110000
MEAN_INVOICE_GBP = {"care_services": 3000, "place": 2500, "corporate": 1200, "agency": 1500, "public": 20000}
GL_TEXT = {
    510100: "Agency social workers",
    510200: "Agency staff",
    520100: "Rent",
    520200: "Energy",
    520300: "Repairs and maintenance",
    530200: "Home to school transport",
    540100: "ICT licences and support",
    540200: "Professional fees",
    540300: "Equipment",
    540400: "Catering supplies",
    550700: "Public health services",
    550800: "Early help services",
    550900: "Commissioned services",
    501000: "Salaries",
    810000: "Fees and charges",
    550100: "Residential care",
    550200: "Nursing care",
    550300: "Home care",
    550400: "Supported living",
    550500: "Children's residential care",
    550600: "Independent fostering",
    560100: "Direct payments",
    560200: "Fostering allowances",
}
MONTHS = np.array(
    ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"], dtype=object
)


@dataclass
class Lines:
    """FI line items (BUKRS 1000)."""

    belnr: np.ndarray
    gjahr: np.ndarray
    buzei: np.ndarray
    blart: np.ndarray
    bldat: np.ndarray
    budat: np.ndarray
    cpudt: np.ndarray
    hkont: np.ndarray
    kostl: np.ndarray  # cost centre index, -1 blank
    lifnr: np.ndarray  # supplier index, -1 blank
    cents: np.ndarray  # unsigned
    shkzg: np.ndarray
    ebeln: np.ndarray
    zcontract: np.ndarray
    xblnr: np.ndarray
    sgtxt: np.ndarray


@dataclass
class Payments:
    laufd: np.ndarray
    vblnr: np.ndarray
    lifnr: np.ndarray
    belnr: np.ndarray
    gjahr: np.ndarray
    zaldt: np.ndarray
    cents: np.ndarray
    rzawe: np.ndarray


@dataclass
class Chunk:
    lines: Lines
    payments: Payments
    bdu: dict[str, str]  # batch id -> fate (ok, missing, short) for batches posted in the chunk


def _cat(parts: list[dict]) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _doc_lines(doc: dict, lines_per_doc: np.ndarray) -> np.ndarray:
    """Row index of each line's document."""
    return np.repeat(np.arange(len(lines_per_doc)), lines_per_doc)


def _split_cents(total: np.ndarray, k: np.ndarray, r: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split each total into k positive parts that add up exactly; returns (doc index, cents)."""
    doc = np.repeat(np.arange(len(total)), k)
    w = r.random(len(doc)) + 0.2
    cum = np.cumsum(w)
    start = np.concatenate([[0], np.cumsum(k)[:-1]])
    base = np.concatenate([[0.0], cum])[start][doc]
    frac = (cum - base) / np.add.reduceat(w, start)[doc]
    edges = np.round(frac * total[doc]).astype(np.int64)
    prev = np.concatenate([[0], edges[:-1]])
    first = np.zeros(len(doc), bool)
    first[start] = True
    return doc, np.where(first, edges, edges - prev)


class FinanceBook:
    """Builds and caches month chunks for one call."""

    def __init__(
        self,
        seed: int,
        scale: float,
        org: Org,
        sup: Suppliers,
        contracts: Contracts,
        placements: Placements,
        staff_fte_by_cc: Callable[[np.datetime64], np.ndarray],
        bdu_fate: Callable[[np.ndarray, np.datetime64], np.ndarray],
    ) -> None:
        self.seed, self.scale, self.org, self.sup, self.con = seed, scale, org, sup, contracts
        self.pl = placements
        self.fte_by_cc = staff_fte_by_cc
        self.bdu_fate = bdu_fate
        self._chunks: dict[int, Chunk] = {}
        self._weeks: dict[np.datetime64, CareWeek] = {}
        order = np.lexsort((contracts.start, contracts.supplier))
        self._c_order = order
        self._c_key = contracts.supplier[order].astype(np.int64) * 100000 + contracts.start[order].astype(
            np.int64
        )
        self._ccs_by_dir = {
            code: np.flatnonzero(org.directorate == d) for d, code in enumerate(DIRECTORATE_CODES)
        }

    def week(self, monday: np.datetime64) -> CareWeek:
        if monday not in self._weeks:
            self._weeks[monday] = care_week(self.pl, monday)
        return self._weeks[monday]

    def chunk(self, m: int) -> Chunk:
        if m not in self._chunks:
            if len(self._chunks) > 40:
                self._chunks.pop(min(self._chunks))
            self._chunks[m] = self._build(m)
        return self._chunks[m]

    # -- documents -------------------------------------------------------------------------------
    def _contract_for(self, supplier: np.ndarray, bldat: np.ndarray, r: np.random.Generator) -> np.ndarray:
        """ZCONTRACT: the supplier's contract in force on the invoice date; at times expired, blank, wrong."""
        c = self.con
        key = supplier.astype(np.int64) * 100000 + bldat.astype(np.int64)
        pos = np.searchsorted(self._c_key, key, side="right") - 1
        ok = pos >= 0
        idx = self._c_order[np.maximum(pos, 0)]
        same = ok & (c.supplier[idx] == supplier)
        ext_end = c.end[idx] + (c.ext_months[idx] * 30.4).astype("timedelta64[D]")
        in_force = same & (bldat <= ext_end)
        u = r.random(len(supplier))
        ref = np.full(len(supplier), "", dtype=object)
        ref[in_force & (u < 0.88)] = c.ref[idx][in_force & (u < 0.88)]
        lapsed = same & ~in_force & (u < 0.5)
        ref[lapsed] = c.ref[idx][lapsed]
        wrong = (~same) & (u < 0.01) & (len(c.ref) > 0)
        ref[wrong] = c.ref[r.integers(0, max(len(c.ref), 1), wrong.sum())]
        return ref

    def _invoices(self, m: int, r: np.random.Generator, first, after) -> tuple[dict, dict]:
        sup, scale = self.sup, self.scale
        days = np.arange(first, after, dtype="datetime64[D]")
        work = days[is_workday(days)]
        trade = np.flatnonzero((sup.segment >= 0) & (sup.created < after))
        seg = sup.segment[trade]
        docs_year = np.zeros(len(trade))
        mean_gbp = np.zeros(len(trade))
        for k, spec in enumerate(SEGMENTS):
            hit = seg == k
            if spec[3] <= 0 or not hit.any():
                continue
            n_seg = spec[3] / MEAN_INVOICE_GBP[spec[0]] * scale
            sq = np.sqrt(sup.weight[trade][hit])
            docs_year[hit] = n_seg * sq / sq.sum()
            mean_gbp[hit] = sup.weight[trade][hit] * spec[3] * scale / np.maximum(docs_year[hit], 1e-9)
        count = r.poisson(docs_year * len(days) / 365.25)
        s_idx = np.repeat(np.arange(len(trade)), count)
        n = len(s_idx)
        supplier = trade[s_idx]
        cpudt = work[r.integers(0, len(work), n)]
        order = np.lexsort((supplier, cpudt))
        supplier, s_idx, cpudt = supplier[order], s_idx[order], cpudt[order]
        credit = r.random(n) < 0.03
        net = np.maximum(np.round(mean_gbp[s_idx] * r.lognormal(-0.125, 0.5, n) * 100), 500).astype(np.int64)
        net = np.where(credit, np.maximum(net // 4, 500), net)
        bldat = cpudt - r.integers(0, 15, n).astype("timedelta64[D]")
        seg = sup.segment[supplier]
        gls = [np.array(SEGMENTS[k][5]) for k in range(len(SEGMENTS))]
        primary = (
            np.array([gls[k][s % len(gls[k])] for k, s in zip(seg, supplier, strict=True)])
            if n
            else np.zeros(0, np.int64)
        )
        vat_on = (sup.vat[supplier] != "") & (r.random(n) < 0.8) & (primary < 550000)
        vat = np.where(vat_on, np.round(net * 0.2), 0).astype(np.int64)
        k_lines = 1 + (r.random(n) < 0.25) + (r.random(n) < 0.08)
        # expense lines
        d_of, cents = _split_cents(net, k_lines, r)
        nl = len(d_of)
        dir_pick = np.empty(nl, dtype=object)
        for k, spec in enumerate(SEGMENTS):
            hit = seg[d_of] == k
            names = list(spec[4])
            p = np.array(list(spec[4].values()))
            dir_pick[hit] = np.asarray(names, dtype=object)[r.choice(len(names), hit.sum(), p=p / p.sum())]
        kostl = np.zeros(nl, np.int64)
        for code, ccs in self._ccs_by_dir.items():
            hit = dir_pick == code
            kostl[hit] = ccs[r.integers(0, len(ccs), hit.sum())]
        alt = (
            np.array([gls[k][r.integers(0, len(gls[k]))] for k in seg[d_of]]) if nl else np.zeros(0, np.int64)
        )
        gl = np.where(r.random(nl) < 0.8, primary[d_of], alt)
        doc = {
            "supplier": supplier,
            "cpudt": cpudt,
            "bldat": bldat,
            "blart": np.where(credit, "KG", "KR"),
            "gross": net + vat,
            "vat": vat,
            "ebeln": np.where(r.random(n) < 0.45, (4500000000 + r.integers(0, 10**8, n)).astype(str), ""),
            "zcontract": self._contract_for(supplier, bldat, r),
            "xblnr": ("INV" + r.integers(10000, 999999, n).astype(str).astype(object)).astype(object),
            "text": np.where(
                r.random(n) < 0.3, "Invoice total £" + np.char.mod("%d", (net + vat) // 100), ""
            ),
        }
        exp = {"doc": d_of, "gl": gl, "kostl": kostl, "cents": cents}
        return doc, exp

    def _assemble(self, doc: dict, exp: dict, prefix: np.ndarray, bdu: bool) -> dict:
        """Vendor line, expense lines and VAT line of each document, numbered by BUZEI."""
        n = len(doc["supplier"])
        credit = doc["blart"] == "KG"
        vat_docs = np.flatnonzero(doc["vat"] > 0)
        d = np.concatenate([np.arange(n), exp["doc"], vat_docs])
        kind = np.concatenate([np.zeros(n, int), np.ones(len(exp["doc"]), int), np.full(len(vat_docs), 2)])
        order = np.lexsort((kind, d))
        d, kind = d[order], kind[order]
        e_i = np.concatenate([np.full(n, -1), np.arange(len(exp["doc"])), np.full(len(vat_docs), -1)])[order]
        start = np.searchsorted(d, np.arange(n))
        buzei = np.arange(len(d)) - start[d] + 1
        hkont = np.where(kind == 0, CREDITORS, np.where(kind == 2, VAT_GL, exp["gl"][np.maximum(e_i, 0)]))
        cents = np.where(
            kind == 0, doc["gross"][d], np.where(kind == 2, doc["vat"][d], exp["cents"][np.maximum(e_i, 0)])
        )
        debit = (kind != 0) ^ credit[d]
        month = MONTHS[fiscal_period(doc["cpudt"][d]) - 1]
        gl_text = np.array([GL_TEXT.get(int(g), "") for g in np.unique(hkont)], dtype=object)
        text = gl_text[np.searchsorted(np.unique(hkont), hkont)]
        if bdu:
            sgtxt = doc["text"][d]
        else:
            sgtxt = np.where(
                kind == 0,
                np.where(doc["text"][d] != "", doc["text"][d], "Invoice " + doc["xblnr"][d]),
                text + " " + month,
            )
        sgtxt = np.where(kind == 2, "VAT recoverable", sgtxt)
        return {
            "belnr": prefix[d],
            "gjahr": fiscal_year(doc["cpudt"][d]),
            "buzei": buzei,
            "blart": doc["blart"][d].astype(object),
            "bldat": doc["bldat"][d],
            "budat": doc["cpudt"][d],
            "cpudt": doc["cpudt"][d],
            "hkont": hkont,
            "kostl": np.where(kind == 1, exp["kostl"][np.maximum(e_i, 0)], -1),
            "lifnr": np.where(kind == 0, doc["supplier"][d], -1),
            "cents": cents.astype(np.int64),
            "shkzg": np.where(debit, "S", "H").astype(object),
            "ebeln": doc["ebeln"][d].astype(object),
            "zcontract": np.where(kind == 0, "", doc["zcontract"][d]),
            "xblnr": doc["xblnr"][d],
            "sgtxt": sgtxt.astype(object),
        }

    def _bdu_docs(self, first, after, r: np.random.Generator) -> tuple[dict, dict, dict]:
        """BDU uploads of the care payments: one document per batch and provider."""
        mondays = np.arange(first - 21 * DAY, after, dtype="datetime64[D]")
        mondays = mondays[((mondays.astype(np.int64) - 4) % 7) == 0]
        docs, exps, fates = [], [], {}
        for monday in mondays:
            wk = self.week(monday)
            if not len(wk.placement):
                continue
            batches, b_idx = np.unique(wk.batch, return_inverse=True)
            wr = rng(self.seed, "bdu-post", monday)
            lag = 1 + wr.integers(0, 3, len(batches)) + np.where(wr.random(len(batches)) < 0.05, 8, 0)
            post = add_workdays(np.full(len(batches), monday), lag)
            fate = self.bdu_fate(batches, monday)
            keep = (post >= first) & (post < after) & (fate != "missing")
            for b, f in zip(
                batches[(post >= first) & (post < after)], fate[(post >= first) & (post < after)], strict=True
            ):
                fates[str(b)] = str(f)
            line_keep = keep[b_idx]
            if not line_keep.any():
                continue
            pl_rows = wk.placement[line_keep]
            amount = wk.amount_pence[line_keep].copy()
            bi = b_idx[line_keep]
            short = np.flatnonzero(fate[bi] == "short")
            if len(short):  # one line of each short batch failed to upload
                _, first_of = np.unique(bi[short], return_index=True)
                amount[short[first_of]] = 0
            provider = self.pl.provider[pl_rows]
            key = bi.astype(np.int64) * 10**7 + provider
            doc_keys, d_of = np.unique(key, return_inverse=True)
            gl = np.array([s[7] for s in SERVICE_TYPES])[self.pl.stype[pl_rows]]
            cc = self.pl.kostl[pl_rows]
            e_key = d_of.astype(np.int64) * 10**9 + gl * 1000 + cc
            e_keys, e_of = np.unique(e_key, return_inverse=True)
            e_cents = np.bincount(e_of, weights=amount).astype(np.int64)
            e_doc = (e_keys // 10**9).astype(np.int64)
            gross = np.bincount(d_of, weights=amount, minlength=len(doc_keys)).astype(np.int64)
            doc_batch = batches[(doc_keys // 10**7).astype(np.int64)]
            n = len(doc_keys)
            docs.append(
                {
                    "supplier": (doc_keys % 10**7).astype(np.int64),
                    "cpudt": post[(doc_keys // 10**7).astype(np.int64)],
                    "bldat": np.full(n, monday),
                    "blart": np.full(n, "KR", dtype=object),
                    "gross": gross,
                    "vat": np.zeros(n, np.int64),
                    "ebeln": np.full(n, "", dtype=object),
                    "zcontract": self._contract_for(
                        (doc_keys % 10**7).astype(np.int64), np.full(n, monday), r
                    ),
                    "xblnr": ("BDU" + doc_batch).astype(object),
                    "text": ("Care payments BDU " + doc_batch).astype(object),
                }
            )
            exps.append(
                {
                    "doc": e_doc,
                    "gl": (e_keys // 1000 % 10**6).astype(np.int64),
                    "kostl": e_keys % 1000,
                    "cents": e_cents,
                }
            )
        if not docs:
            return {}, {}, fates
        offset = np.cumsum([0] + [len(d["supplier"]) for d in docs])[:-1]
        for e, off in zip(exps, offset, strict=True):
            e["doc"] = e["doc"] + off
        return _cat(docs), _cat(exps), fates

    def _journals(self, m: int, first, after, r: np.random.Generator) -> dict:
        """SA journals: monthly payroll and income by directorate, and cost reallocations."""
        rows = []
        post = next_workday(np.array([first + 24 * DAY]))[0]
        fte = self.fte_by_cc(first + 14 * DAY)
        pay = np.round(fte * 3150 * 1.3 * 100).astype(np.int64)  # mean salary ~GBP 37.8k plus on-costs
        income_services = [
            "Registration Service",
            "Libraries and Heritage",
            "Trading Standards",
            "Highways and Transport",
            "Adult Social Care Operations",
            "Planning and Growth",
        ]
        inc_cc = np.isin(self.org.service, income_services)
        income = np.where(inc_cc, np.round(r.lognormal(np.log(60000), 0.4, len(fte)) * 100), 0).astype(
            np.int64
        )
        income = np.round(income * max(self.scale, 0.01)).astype(np.int64)
        seq = 0
        for d in range(len(DIRECTORATE_CODES)):
            ccs = np.flatnonzero(self.org.directorate == d)
            for gl, amounts, side, contra in (
                (501000, pay[ccs], "S", PAYROLL_CONTROL),
                (810000, income[ccs], "H", CASH),
            ):
                live = ccs[amounts > 0]
                if not len(live):
                    continue
                seq += 1
                a = amounts[amounts > 0]
                n = len(live) + 1
                other = "H" if side == "S" else "S"
                rows.append(
                    {
                        "doc": np.full(n, seq),
                        "hkont": np.concatenate([np.full(n - 1, gl), [contra]]),
                        "kostl": np.concatenate([live, [-1]]),
                        "cents": np.concatenate([a, [a.sum()]]),
                        "shkzg": np.array([side] * (n - 1) + [other], dtype=object),
                        "day": np.full(n, post),
                        "text": np.full(
                            n,
                            GL_TEXT[gl] + " " + str(MONTHS[fiscal_period(np.array([first]))[0] - 1]),
                            dtype=object,
                        ),
                    }
                )
        # reallocations from a cost centre to its neighbour (usually the same service area)
        days = np.arange(first, after, dtype="datetime64[D]")
        work = days[is_workday(days)]
        n_re = r.poisson(250 * self.scale * len(days) / 30) + 1
        src = r.integers(0, len(self.org.kostl), n_re)
        dst = (src + 1) % len(self.org.kostl)
        gl = r.choice([540200, 520300, 540100], n_re)
        amt = np.round(r.lognormal(np.log(800), 1.0, n_re) * 100).astype(np.int64)
        day = work[r.integers(0, len(work), n_re)]
        rows.append(
            {
                "doc": np.repeat(seq + 1 + np.arange(n_re), 2),
                "hkont": np.repeat(gl, 2),
                "kostl": np.column_stack([dst, src]).ravel(),
                "cents": np.repeat(amt, 2),
                "shkzg": np.tile(np.array(["S", "H"], dtype=object), n_re),
                "day": np.repeat(day, 2),
                "text": np.full(2 * n_re, "Cost reallocation", dtype=object),
            }
        )
        j = _cat(rows)
        order = np.lexsort((np.arange(len(j["doc"])), j["doc"]))
        j = {k: v[order] for k, v in j.items()}
        start = np.searchsorted(j["doc"], j["doc"])
        buzei = np.arange(len(j["doc"])) - start + 1
        period = fiscal_period(j["day"])
        belnr = ("10" + pad(period, 2).astype(object) + pad(j["doc"], 6).astype(object)).astype(object)
        n = len(belnr)
        return {
            "belnr": belnr,
            "gjahr": fiscal_year(j["day"]),
            "buzei": buzei,
            "blart": np.full(n, "SA", dtype=object),
            "bldat": j["day"],
            "budat": j["day"],
            "cpudt": j["day"],
            "hkont": j["hkont"],
            "kostl": j["kostl"],
            "lifnr": np.full(n, -1),
            "cents": j["cents"],
            "shkzg": j["shkzg"],
            "ebeln": np.full(n, "", dtype=object),
            "zcontract": np.full(n, "", dtype=object),
            "xblnr": np.full(n, "", dtype=object),
            "sgtxt": j["text"],
        }

    def _payments(self, m: int, doc: dict, belnr: np.ndarray, r: np.random.Generator) -> Payments:
        """Invoices are paid mostly within 30 days of receipt, with a late tail and some split payments."""
        kr = np.flatnonzero(doc["blart"] == "KR")
        n = len(kr)
        u = r.random(n)
        dtp = np.select(
            [u < 0.84, u < 0.95], [r.triangular(2, 18, 29, n), r.uniform(31, 60, n)], r.uniform(61, 140, n)
        ).astype(np.int64)
        laufd = next_workday(doc["cpudt"][kr] + dtp.astype("timedelta64[D]"))
        gross = doc["gross"][kr]
        rzawe = np.where(gross > 10_000_000, "H", np.where(r.random(n) < 0.03, "C", "B")).astype(object)
        split = r.random(n) < 0.03
        first_part = np.where(split, np.round(gross * r.uniform(0.3, 0.7, n)), gross).astype(np.int64)
        later = next_workday(laufd + r.integers(14, 41, n).astype("timedelta64[D]"))
        idx = np.concatenate([np.arange(n), np.flatnonzero(split)])
        part = np.concatenate([np.zeros(n, int), np.ones(split.sum(), int)])
        run = np.concatenate([laufd, later[split]])
        cents = np.concatenate([first_part, gross[split] - first_part[split]])
        zaldt = np.where(rzawe[idx] == "B", add_workdays(run, 1), run)
        vblnr = (
            "2"
            + part.astype(str).astype(object)
            + pad(np.full(len(idx), m), 3).astype(object)
            + pad(idx, 5).astype(object)
        ).astype(object)
        order = np.lexsort((idx, run))
        return Payments(
            laufd=run[order],
            vblnr=vblnr[order],
            lifnr=doc["supplier"][kr][idx][order],
            belnr=belnr[kr][idx][order],
            gjahr=fiscal_year(doc["cpudt"][kr][idx])[order],
            zaldt=zaldt[order],
            cents=cents[order],
            rzawe=rzawe[idx][order],
        )

    def _build(self, m: int) -> Chunk:
        r = rng(self.seed, "finance", m)
        first, after = month_bounds(m)
        doc, exp = self._invoices(m, r, first, after)
        bdoc, bexp, fates = self._bdu_docs(first, after, r)
        if bdoc:
            off = len(doc["supplier"])
            bexp["doc"] = bexp["doc"] + off
            doc = _cat([doc, bdoc])
            exp = _cat([exp, bexp])
        n = len(doc["supplier"])
        period = fiscal_period(doc["cpudt"])
        is_bdu = np.char.startswith(doc["xblnr"].astype(str), "BDU")
        prefix = np.where(doc["blart"] == "KG", "52", np.where(is_bdu, "53", "51")).astype(object)
        belnr = (prefix + pad(period, 2).astype(object) + pad(np.arange(n) + 1, 6).astype(object)).astype(
            object
        )
        inv = self._assemble(doc, exp, belnr, bdu=False)
        inv["sgtxt"] = np.where(
            np.char.startswith(inv["xblnr"].astype(str), "BDU") & (inv["lifnr"] >= 0),
            "Care payments " + inv["xblnr"],
            inv["sgtxt"],
        ).astype(object)
        lines = _cat([inv, self._journals(m, first, after, r)])
        order = np.lexsort((lines["buzei"], lines["belnr"], lines["cpudt"]))
        lines = Lines(**{k: v[order] for k, v in lines.items()})
        return Chunk(lines, self._payments(m, doc, belnr, r), fates)
