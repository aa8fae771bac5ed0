"""Daily files of the contact systems: CRM contacts (CSV), telephony call records and e-forms (JSONL)."""

from __future__ import annotations

import numpy as np

from simulator.contact import CHANNELS, FORMS, OUTCOMES, SERVICES, iso_z, people_fields
from simulator.dates import fmt_ddmmyyyy, fmt_yyyymmdd, month_index, zfill
from simulator.persons import variation
from simulator.randomness import rng
from simulator.world import World
from simulator.writers import FileOut, jraw, jstr

DAY = np.timedelta64(1, "D")
CRM_COLUMNS = [
    "contact_id",
    "created_at",
    "channel",
    "call_id",
    "service",
    "reason",
    "outcome",
    "case_ref",
    "customer_title",
    "customer_first_name",
    "customer_last_name",
    "customer_dob",
    "customer_email",
    "customer_phone",
    "address_line1",
    "postcode",
    "uprn",
    "agent_id",
    "satisfaction",
]
CDR_COLUMNS = [
    "call_id",
    "direction",
    "queue",
    "caller_number",
    "offered_at",
    "answered_at",
    "ended_at",
    "agent_id",
    "talk_s",
    "hold_s",
    "wrap_s",
    "transferred_to",
    "callback_requested",
]
FORM_COLUMNS = [
    "submission_id",
    "form",
    "started_at",
    "submitted_at",
    "account_id",
    "email",
    "first_name",
    "last_name",
    "dob",
    "postcode",
    "uprn",
    "payload",
]


def _stamp(day: np.datetime64) -> str:
    return str(fmt_yyyymmdd(np.array([day]))[0])


def _months(day: np.datetime64) -> list[int]:
    m = int(month_index(np.array([day]))[0])
    return [m - 1, m] if m > 0 else [m]


def crm_contacts(w: World, day: np.datetime64) -> FileOut:
    parts = []
    for m in _months(day):
        ct, _ = w.contacts.month(m)
        d = ct.local.astype("datetime64[D]")
        i = np.flatnonzero(d == day)
        parts.append((ct, i))
    cat = {
        a: np.concatenate([getattr(ct, a)[i] for ct, i in parts])
        for a in (
            "contact_id",
            "local",
            "channel",
            "service",
            "reason",
            "outcome",
            "person",
            "agent",
            "satisfaction",
            "call_id",
        )
    }
    n = len(cat["contact_id"])
    r = rng(w.seed, "crm-file", day)
    person = cat["person"]
    known = person >= 0
    f = people_fields(w.residents, person, np.full(n, day), r, w.vary_people, 0.6)
    res = w.residents
    show_email = known & ((cat["channel"] == 1) | (r.random(n) < 0.5))
    show_phone = known & ((cat["channel"] == 0) | (r.random(n) < 0.5))
    show_addr = known & (r.random(n) < 0.45)
    show_dob = known & (r.random(n) < 0.5)
    gender = res.gender[np.maximum(person, 0)]
    title = np.where(gender == 1, "Mr", np.where(r.random(n) < 0.5, "Mrs", "Ms"))
    title = np.where(r.random(n) < 0.03, "Dr", title)
    blank = np.full(n, "", dtype=object)
    case = np.isin(cat["outcome"], [2, 3])
    data = {
        "contact_id": cat["contact_id"],
        "created_at": np.strings.replace(np.datetime_as_string(cat["local"], unit="s").astype(str), "T", " "),
        "channel": CHANNELS[cat["channel"]],
        "call_id": cat["call_id"],
        "service": SERVICES[cat["service"]],
        "reason": cat["reason"],
        "outcome": OUTCOMES[cat["outcome"]],
        "case_ref": np.where(
            case, np.strings.add("CAS", np.strings.slice(cat["contact_id"].astype(str), 3, 12)), ""
        ),
        "customer_title": np.where(known & (r.random(n) < 0.6), title, ""),
        "customer_first_name": np.where(known, f["first_name"], blank),
        "customer_last_name": np.where(known, f["last_name"], blank),
        "customer_dob": np.where(show_dob, fmt_ddmmyyyy(f["dob"]), ""),
        "customer_email": np.where(show_email, f["email"], blank),
        "customer_phone": np.where(show_phone, f["phone"], blank),
        "address_line1": np.where(show_addr, f["address_line1"], blank),
        "postcode": np.where(show_addr | (known & (r.random(n) < 0.2)), f["postcode"], blank),
        "uprn": np.where(show_addr & (r.random(n) < 0.7), f["uprn"], blank),
        "agent_id": cat["agent"],
        "satisfaction": np.where(cat["satisfaction"] > 0, cat["satisfaction"].astype(str), ""),
    }
    out = FileOut("csc/crm", f"contacts_{_stamp(day)}.csv", "csv", CRM_COLUMNS, data)
    hidden = {
        "new_phone": ~show_phone,
        "new_email": ~show_email,
        "parent_contact": ~(show_phone | show_email),
        "moved": data["postcode"] == "",
        "dob_swapped": ~show_dob,
    }
    tags = variation(f["tags"], hidden)
    out.persons.append(("crm", cat["contact_id"][known], res.person_id[person[known]], tags[known]))
    return out


def cdr(w: World, day: np.datetime64) -> FileOut:
    parts = []
    for m in _months(day):
        _, cl = w.contacts.month(m)
        i = np.flatnonzero(cl.offered_local.astype("datetime64[D]") == day)
        parts.append((cl, i))
    cat = {
        a: np.concatenate([getattr(cl, a)[i] for cl, i in parts])
        for a in (
            "call_id",
            "offered",
            "answered",
            "ended",
            "inbound",
            "queue",
            "number",
            "agent",
            "talk",
            "hold",
            "wrap",
            "transferred",
            "callback",
        )
    }
    order = np.argsort(cat["offered"], kind="stable")
    cat = {k: v[order] for k, v in cat.items()}
    no_answer = np.isnat(cat["answered"])
    data = {
        "call_id": jstr(cat["call_id"]),
        "direction": jstr(np.where(cat["inbound"], "inbound", "outbound")),
        "queue": jstr(SERVICES[cat["queue"]]),
        "caller_number": jstr(cat["number"]),
        "offered_at": jstr(iso_z(cat["offered"])),
        "answered_at": jstr(iso_z(np.where(no_answer, cat["offered"], cat["answered"])), no_answer),
        "ended_at": jstr(iso_z(cat["ended"])),
        "agent_id": jstr(cat["agent"], no_answer),
        "talk_s": jraw(cat["talk"]),
        "hold_s": jraw(cat["hold"]),
        "wrap_s": jraw(cat["wrap"]),
        "transferred_to": jstr(SERVICES[np.maximum(cat["transferred"], 0)], cat["transferred"] < 0),
        "callback_requested": jraw(cat["callback"].astype(bool)),
    }
    return FileOut("csc/telephony", f"cdr_{_stamp(day)}.jsonl", "jsonl", CDR_COLUMNS, data)


def _payload(form: np.ndarray, f: dict, r: np.random.Generator) -> np.ndarray:
    """A small form-specific JSON object per submission."""
    n = len(form)
    size = np.array(["small", "medium", "large"], dtype=object)[r.integers(0, 3, n)]
    school = np.array(
        ["Cherwell School", "Cheney School", "Wood Green School", "Larkmead School"], dtype=object
    )[r.integers(0, 4, n)]
    options = [
        '{"location":"' + f["address_line1"] + '","size":"' + size + '"}',
        '{"reason":"mobility","renewal":' + np.where(r.random(n) < 0.4, "true", "false") + "}",
        '{"preference_1":"' + school + '","year_group":"Reception"}',
        '{"pass_type":"' + np.where(r.random(n) < 0.7, "older person", "disabled person") + '"}',
        '{"for":"' + np.where(r.random(n) < 0.5, "myself", "a relative") + '"}',
        '{"service":"' + SERVICES[r.integers(0, len(SERVICES), n)] + '","summary":"Complaint about service"}',
        '{"appointment":"' + np.where(r.random(n) < 0.6, "birth", "death") + '"}',
        '{"library":"'
        + np.array(["Oxford Central", "Banbury", "Witney", "Abingdon"], dtype=object)[r.integers(0, 4, n)]
        + '"}',
    ]
    out = np.empty(n, dtype=object)
    for k, frag in enumerate(options):
        hit = form == k
        out[hit] = np.asarray(frag, dtype=object)[hit] if np.ndim(frag) else frag
    return out


def eforms(w: World, day: np.datetime64) -> FileOut:
    parts = []
    for m in _months(day):
        fm = w.contacts.forms(m)
        i = np.flatnonzero(fm["local"].astype("datetime64[D]") == day)
        parts.append((fm, i))
    cat = {
        k: np.concatenate([fm[k][i] for fm, i in parts])
        for k in ("ids", "started", "form", "abandoned", "submitted", "person", "account")
    }
    n = len(cat["ids"])
    r = rng(w.seed, "eforms-file", day)
    f = people_fields(w.residents, cat["person"], np.full(n, day), r, w.vary_people, 0.3)
    partial = cat["abandoned"] & (r.random(n) < 0.5)  # abandoned early: no personal details yet
    res = w.residents
    empty = np.full(n, "", dtype=object)
    data = {
        "submission_id": jstr(cat["ids"]),
        "form": jstr(FORMS[cat["form"]]),
        "started_at": jstr(iso_z(cat["started"])),
        "submitted_at": jstr(iso_z(cat["submitted"]), cat["abandoned"]),
        "account_id": jstr(np.strings.add("ACC", zfill(cat["person"].astype(str), 8)), ~cat["account"]),
        "email": jstr(np.where(partial, empty, f["email"])),
        "first_name": jstr(np.where(partial, empty, f["first_name"])),
        "last_name": jstr(np.where(partial, empty, f["last_name"])),
        "dob": jstr(f["dob_iso"], partial | (f["dob_iso"] == "")),
        "postcode": jstr(np.where(partial, empty, f["postcode"])),
        "uprn": jstr(np.where(partial, empty, f["uprn"])),
        "payload": _payload(cat["form"], f, r),
    }
    out = FileOut("web/forms", f"eforms_{_stamp(day)}.jsonl", "jsonl", FORM_COLUMNS, data)
    tags = variation(
        f["tags"], {"new_phone": np.ones(n, dtype=bool), "parent_contact": np.ones(n, dtype=bool)}
    )
    out.persons.append(
        ("eforms", cat["ids"][~partial], res.person_id[cat["person"][~partial]], tags[~partial])
    )
    return out
