"""Purchase card statements (sources.md, `procurement/cards`): delivered on the 5th for the previous
month, read here as the contract describes them, and consistent with the staff and cost centres
the HR and finance extracts of the same world deliver."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import numpy as np
from simulator_contract import read_csv, read_ibc

from simulator import cards
from simulator.defects import DefectPlan
from simulator.world import World

CARD_FILE = "procurement/cards/pcard_transactions_202503.csv"
MONEY = re.compile(r"-?\d+\.\d{2}")


def _uk(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def test_the_statement_holds_the_previous_months_postings(clean_home):
    home, _ = clean_home
    cards_folder = home / "landing" / "procurement" / "cards"
    assert sorted(p.name for p in cards_folder.iterdir()) == ["pcard_transactions_202503.csv"]
    header, rows = read_csv(home / "landing" / CARD_FILE, bom=False)
    assert header == cards.COLUMNS
    col = {c: i for i, c in enumerate(header)}
    assert len(rows) >= 20
    assert len({r[col["transaction_id"]] for r in rows}) == len(rows)
    for row in rows:
        posted, spent = _uk(row[col["posting_date"]]), _uk(row[col["transaction_date"]])
        assert (posted.year, posted.month) == (2025, 3)
        assert 0 <= (posted - spent).days <= 3
        assert re.fullmatch(r"\d{4}", row[col["mcc"]]) and row[col["mcc_description"]]
        amount, vat = row[col["amount_gbp"]], row[col["vat_gbp"]]
        assert MONEY.fullmatch(amount) and MONEY.fullmatch(vat)
        # VAT is inside the gross amount and carries its sign (a refund is negative in both).
        assert abs(Decimal(vat)) <= abs(Decimal(amount)) and Decimal(vat) * Decimal(amount) >= 0


def test_cardholders_are_staff_in_post_on_a_cost_centre_of_the_org(clean_home):
    home, _ = clean_home
    header, rows = read_csv(home / "landing" / CARD_FILE, bom=False)
    col = {c: i for i, c in enumerate(header)}
    hr_header, hr_rows, _ = read_ibc(home / "landing" / "ibc/hr/PA0001_20250401.txt")
    h = {c: i for i, c in enumerate(hr_header)}
    spells = {}
    for r in hr_rows:
        spells.setdefault(r[h["PERNR"]], []).append((r[h["BEGDA"]], r[h["ENDDA"]], r[h["KOSTL"]]))
    for row in rows:
        posted = _uk(row[col["posting_date"]]).strftime("%Y%m%d")
        held = spells[row[col["cardholder_pernr"]]]
        assert any(b <= posted <= e and k == row[col["kostl"]] for b, e, k in held)


def test_a_year_of_statements_has_refunds_zero_rated_purchases_and_personal_text():
    world = World(7, 0.05, DefectPlan(7, 0, None))
    files = [
        cards.pcard_transactions(
            world.seed, world.scale, world.staff, world.residents, np.datetime64(f"2025-{m:02d}-05")
        )
        for m in range(1, 13)
    ]
    amounts = np.concatenate([f.data["amount_gbp"] for f in files]).astype(float)
    vat = np.concatenate([f.data["vat_gbp"] for f in files]).astype(float)
    texts = np.concatenate([f.data["description"] for f in files])
    assert (amounts < 0).any() and (amounts > 0).mean() > 0.95
    assert ((vat == 0) & (amounts > 0)).any() and (vat != 0).mean() > 0.5
    assert any("@" in t for t in texts)  # an email typed into the free text
    names = {f"{a} {b}" for a, b in zip(world.residents.forename, world.residents.surname, strict=True)}
    assert any(any(n in t for n in names) for t in texts if " for " in t)  # a resident named


def test_statements_do_not_depend_on_the_order_they_are_built_in():
    a = World(3, 0.02, DefectPlan(3, 0, None))
    b = World(3, 0.02, DefectPlan(3, 0, None))
    day = np.datetime64("2025-06-05")
    cards.pcard_transactions(b.seed, b.scale, b.staff, b.residents, np.datetime64("2025-05-05"))
    first = cards.pcard_transactions(a.seed, a.scale, a.staff, a.residents, day)
    second = cards.pcard_transactions(b.seed, b.scale, b.staff, b.residents, day)
    assert first.name == second.name == "pcard_transactions_202505.csv"
    assert all(list(first.data[c]) == list(second.data[c]) for c in cards.COLUMNS)
