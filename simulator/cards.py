"""Procurement card transactions (sources.md section B, `procurement/cards`): the card provider's
monthly statement file, delivered on the 5th for the previous month.

A file holds the transactions *posted* in its month (a purchase on the 30th posted on the 2nd is in
the next month's file). Cardholders are a fixed share of staff, each spending on the cost centre of
their position while employed. amount_gbp is the gross sum charged to the card (VAT included),
vat_gbp the VAT in it, both signed (a refund is negative in both). The cardholder's free-text
description sometimes names a resident or holds an email address, as real card logs do.
"""

from __future__ import annotations

import numpy as np

from simulator.dates import fmt_ddmmyyyy, month_start
from simulator.persons import Residents
from simulator.randomness import rng, scaled
from simulator.staff import Staff
from simulator.writers import FileOut, signed_money

FEED = "procurement/cards"
PREFIX = "pcard_transactions"
COLUMNS = [
    "transaction_id",
    "transaction_date",
    "posting_date",
    "cardholder_pernr",
    "kostl",
    "merchant_name",
    "mcc",
    "mcc_description",
    "amount_gbp",
    "vat_gbp",
    "description",
]
CARDHOLDER_SHARE = 0.07  # about 385 cards for 5,500 staff
MONTHLY_TRANSACTIONS = 1_400  # at scale 1.0
REFUND_SHARE = 0.02
PERSONAL_TEXT_SHARE = 0.03  # descriptions naming a resident or holding an email address
# Merchant category codes (ISO 18245) a council's cards use: code, description, weight, median
# gross GBP, VAT standard-rated (else zero-rated or exempt), merchants as they appear on statements.
MCCS = [
    (
        "5111",
        "Stationery, Office and School Supply Stores",
        12,
        38.0,
        True,
        ["VIKING DIRECT", "RYMAN OXFORD", "OFFICE DEPOT UK"],
    ),
    (
        "5942",
        "Book Stores",
        5,
        24.0,
        False,
        ["WATERSTONES OXFORD", "BLACKWELLS BOOKSHOP", "AMAZON.CO.UK BOOKS"],
    ),
    (
        "5411",
        "Grocery Stores, Supermarkets",
        10,
        22.0,
        True,
        ["TESCO STORES 2841", "SAINSBURYS S/MKTS", "CO-OP GROUP 070124", "WAITROSE 0318"],
    ),
    (
        "5812",
        "Eating Places, Restaurants",
        6,
        31.0,
        True,
        ["PRET A MANGER", "CAFÉ NERO OXFORD", "GREGGS 1163"],
    ),
    ("4112", "Passenger Railways", 9, 46.0, False, ["GWR TICKETS", "CHILTERN RAILWAYS", "TRAINLINE.COM"]),
    (
        "4111",
        "Local and Suburban Commuter Passenger Transportation",
        5,
        9.5,
        False,
        ["OXFORD BUS COMPANY", "STAGECOACH OXFORDSHIRE"],
    ),
    (
        "4121",
        "Taxicabs and Limousines",
        4,
        18.0,
        True,
        ["001 TAXIS OXFORD", "ABC TAXIS BANBURY", "UBER *TRIP"],
    ),
    (
        "7011",
        "Hotels, Motels and Resorts",
        4,
        95.0,
        True,
        ["PREMIER INN", "TRAVELODGE", "HOLIDAY INN EXPRESS"],
    ),
    (
        "7523",
        "Parking Lots and Garages",
        5,
        7.0,
        True,
        ["NCP CAR PARKS", "RINGGO PARKING", "OXFORD PARK AND RIDE"],
    ),
    ("5541", "Service Stations", 4, 55.0, True, ["SHELL BOTLEY", "BP KIDLINGTON", "ESSO BANBURY"]),
    ("5251", "Hardware Stores", 5, 42.0, True, ["SCREWFIX DIRECT", "TOOLSTATION", "B&Q 1272"]),
    (
        "5045",
        "Computers, Computer Peripheral Equipment and Software",
        4,
        120.0,
        True,
        ["CURRYS BUSINESS", "DELL CORP UK", "INSIGHT DIRECT"],
    ),
    ("5734", "Computer Software Stores", 3, 14.0, True, ["ZOOM.US", "ADOBE SYSTEMS", "MICROSOFT*STORE"]),
    ("4215", "Courier Services", 3, 12.0, True, ["ROYAL MAIL", "DPD UK", "PARCELFORCE"]),
    (
        "5999",
        "Miscellaneous and Specialty Retail Stores",
        7,
        35.0,
        True,
        ["AMAZON.CO.UK*MK1", "ARGOS", "HOBBYCRAFT"],
    ),
    ("5912", "Drug Stores and Pharmacies", 2, 11.0, True, ["BOOTS 1145", "SUPERDRUG"]),
    (
        "8299",
        "Schools and Educational Services",
        3,
        180.0,
        False,
        ["EVENTBRITE", "CIPFA TRAINING", "LGA EVENTS"],
    ),
    (
        "9399",
        "Government Services (Not Elsewhere Classified)",
        2,
        60.0,
        False,
        ["DVLA VEHICLE TAX", "GOV.UK DBS CHECKS", "COMPANIES HOUSE"],
    ),
    ("5310", "Discount Stores", 2, 16.0, True, ["POUNDLAND", "B&M RETAIL", "HOME BARGAINS"]),
]
# What cardholders type: the purpose as they see it, sometimes with a resident or an email in it.
TEXTS = [
    "team stationery",
    "printer toner",
    "train to County Hall",
    "room hire refreshments",
    "training course",
    "parking for home visit",
    "taxi after late visit",
    "replacement laptop charger",
    "books for library service",
    "supplies for day centre",
    "fuel pool car",
    "postage",
    "hotel for conference",
    "software licence",
    "",
]
PERSONAL_TEXTS = [
    "taxi for {name} to placement",
    "food voucher for {name}",
    "shoes for {name}",
    "refund to {email}",
]


def cardholders(seed: int, staff: Staff) -> np.ndarray:
    """Employment spells holding a purchase card (fixed for the world)."""
    r = rng(seed, "pcard", "holders")
    return np.flatnonzero(r.random(len(staff.sp_pernr)) < CARDHOLDER_SHARE)


def pcard_transactions(
    seed: int, scale: float, staff: Staff, residents: Residents, day: np.datetime64
) -> FileOut:
    """The statement file delivered on `day` (the 5th): the transactions posted in the previous month."""
    first = month_start(month_start(day) - np.timedelta64(1, "D"))
    after = month_start(day)
    stamp = str(first.astype("datetime64[M]")).replace("-", "")
    r = rng(seed, "pcard", stamp)
    days = int((after - first).astype(np.int64))
    holders = cardholders(seed, staff)
    holders = holders[(staff.sp_begda[holders] < after) & (staff.sp_endda[holders] >= first)]
    n = r.poisson(scaled(MONTHLY_TRANSACTIONS, scale, 20)) if len(holders) else 0
    posted = first + r.integers(0, days, n).astype("timedelta64[D]")
    holder = holders[r.integers(0, max(len(holders), 1), n)]
    # A card spends only while its holder is employed: draws outside the spell are not purchases.
    employed = (staff.sp_begda[holder] <= posted) & (staff.sp_endda[holder] >= posted)
    posted, holder = posted[employed], holder[employed]
    order = np.argsort(posted, kind="stable")
    posted, holder = posted[order], holder[order]
    n = len(posted)
    spent = posted - r.integers(0, 4, n).astype("timedelta64[D]")  # posted 0-3 days after purchase
    weights = np.array([m[2] for m in MCCS], dtype=float)
    cat = r.choice(len(MCCS), size=n, p=weights / weights.sum())
    median = np.array([m[3] for m in MCCS])[cat]
    gross = np.maximum(np.round(median * 100 * r.lognormal(0.0, 0.7, n)), 50).astype(np.int64)
    standard = np.array([m[4] for m in MCCS])[cat]
    vat = np.where(standard, np.round(gross / 6), 0).astype(np.int64)  # 20% VAT inside the gross
    sign = np.where(r.random(n) < REFUND_SHARE, -1, 1)
    merchant = np.array([m[5][int(r.integers(0, len(m[5])))] for m in (MCCS[c] for c in cat)], dtype=object)
    text = np.array(TEXTS, dtype=object)[r.integers(0, len(TEXTS), n)]
    text = np.where(sign < 0, "refund " + text, text).astype(object)
    personal = np.flatnonzero(r.random(n) < PERSONAL_TEXT_SHARE)
    who = r.integers(0, len(residents.person_id), len(personal))
    for i, w, form in zip(personal, who, r.integers(0, len(PERSONAL_TEXTS), len(personal)), strict=True):
        name = f"{residents.forename[w]} {residents.surname[w]}"
        text[i] = PERSONAL_TEXTS[form].format(name=name, email=residents.email[w])
    data = {
        "transaction_id": np.array([f"PC{stamp}{k:06d}" for k in range(1, n + 1)], dtype=object),
        "transaction_date": fmt_ddmmyyyy(spent),
        "posting_date": fmt_ddmmyyyy(posted),
        "cardholder_pernr": staff.sp_pernr[holder],
        "kostl": staff.org_kostl[staff.pos_cc[staff.sp_pos[holder]]],
        "merchant_name": merchant,
        "mcc": np.array([MCCS[c][0] for c in cat], dtype=object),
        "mcc_description": np.array([MCCS[c][1] for c in cat], dtype=object),
        "amount_gbp": signed_money(sign * gross),
        "vat_gbp": signed_money(sign * vat),
        "description": text,
    }
    return FileOut(FEED, f"{PREFIX}_{stamp}.csv", "csv", COLUMNS, data)
