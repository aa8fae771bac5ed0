"""CSV extracts outside SAP: the contracts register, weekly care payments, service person indexes."""

from __future__ import annotations

import numpy as np

from simulator.care import care_file_data
from simulator.dates import fmt_ddmmyyyy, fmt_iso, fmt_yyyymmdd
from simulator.defects import EXPECT
from simulator.world import World
from simulator.writers import FileOut, money

CONTRACT_COLUMNS = [
    "contract_ref",
    "title",
    "supplier_name",
    "lifnr",
    "company_number",
    "category",
    "directorate",
    "start_date",
    "end_date",
    "review_date",
    "max_extension_months",
    "total_value_gbp",
    "annual_value_gbp",
    "sme",
    "vcse",
    "route",
    "status",
]
INDEX_COLUMNS = [
    "source_person_id",
    "first_name",
    "middle_name",
    "last_name",
    "dob",
    "gender",
    "address_line1",
    "postcode",
    "uprn",
    "nhs_number",
    "email",
    "phone",
]


def _stamp(day: np.datetime64) -> str:
    return str(fmt_yyyymmdd(np.array([day]))[0])


def contracts_register(w: World, day: np.datetime64) -> FileOut:
    c, s = w.contracts, w.suppliers
    i = np.flatnonzero(c.awarded <= day)
    sup = c.supplier[i]
    years = (c.end[i] - c.start[i]).astype(np.int64) / 365.25
    terminated = ~np.isnat(c.terminated_on[i]) & (c.terminated_on[i] <= day)
    failing = ~np.isnat(c.failing_from[i]) & (c.failing_from[i] <= day) & (c.end[i] >= day)
    status = np.where(
        terminated, "Terminated", np.where(c.end[i] < day, "Expired", np.where(failing, "Failing", "Active"))
    )
    end = np.where(terminated, c.terminated_on[i], c.end[i])
    data = {
        "contract_ref": c.ref[i],
        "title": c.title[i],
        "supplier_name": c.name_as_written[i],
        "lifnr": np.where(c.blank_lifnr[i], "", s.lifnr[sup]),
        "company_number": s.crn[sup],
        "category": c.category[i],
        "directorate": c.directorate[i],
        "start_date": fmt_ddmmyyyy(c.start[i]),
        "end_date": fmt_ddmmyyyy(end),
        "review_date": fmt_ddmmyyyy(c.end[i] - np.timedelta64(180, "D")),
        "max_extension_months": c.ext_months[i].astype(str),
        "total_value_gbp": money(c.annual_pence[i] * years),
        "annual_value_gbp": money(c.annual_pence[i]),
        "sme": np.where(s.sme[sup], "Y", "N"),
        "vcse": np.where(s.ktokk[sup] == "VCSE", "Y", "N"),
        "route": c.route[i],
        "status": status,
    }
    return FileOut(
        "procurement/contracts", f"contracts_register_{_stamp(day)}.csv", "csv", CONTRACT_COLUMNS, data
    )


def care_payments(w: World, day: np.datetime64) -> FileOut:
    week = w.finance.week(day)
    data = care_file_data(week, w.placements, w.suppliers.lifnr, w.suppliers.name, w.client_ref)
    out = FileOut("care/payments", f"care_payments_{_stamp(day)}.csv", "csv_bom", list(data), data)
    batches = np.unique(week.batch)
    for batch, fate in zip(batches, w.plan.bdu_fate(batches, day), strict=True):
        if fate != "ok":  # this batch will never reach SAP, or reach it with a different total
            kind = f"bdu_{fate}"
            out.events.append(
                {
                    "kind": kind,
                    "feed": out.feed,
                    "file": out.name,
                    "line": None,
                    "record": str(batch),
                    "expect": EXPECT[kind],
                }
            )
    return out


def person_index(w: World, system: str, day: np.datetime64) -> FileOut:
    ix = w.indexes[system]
    n = int(np.searchsorted(ix.registered, day, side="right"))
    f = {k: v[:n] for k, v in ix.fields.items()}
    who = ix.who[:n]
    res = w.residents
    data = {
        "source_person_id": ix.ids[:n],
        "first_name": f["first_name"],
        "middle_name": f["middle_name"],
        "last_name": f["last_name"],
        "dob": fmt_iso(f["dob"]),
        "gender": np.where(res.gender[who] == 1, "M", "F"),
        "address_line1": f["address_line1"],
        "postcode": f["postcode"],
        "uprn": f["uprn"],
        "nhs_number": res.nhs[who] if system == "adult_social_care" else np.full(n, "", dtype=object),
        "email": f["email"],
        "phone": f["phone"],
    }
    out = FileOut("services/person_index", f"{system}_{_stamp(day)}.csv", "csv", INDEX_COLUMNS, data)
    out.persons.append((system, ix.ids[:n], res.person_id[who], f["variation"]))
    return out
