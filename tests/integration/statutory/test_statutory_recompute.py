"""The statutory outputs recomputed independently from the raw extracts, on the two-year statutory
world (conftest.py: 1 April 2024 - 2 April 2026, four whole six-month periods).

Written from contracts/kpis.md ("Statutory outputs", payment performance) and contracts/sources.md,
not from the dbt models: plain SQL over schema `raw` and the file register, and Python for the
periods and figures. It shares with the warehouse only what docs/statutory.md and docs/warehouse.md
decide where the contract is silent: the reporting window (first_date: the earliest file loaded but
BUDGET and the card statements), whole periods only, any invoice line's ZCONTRACT counting, the
redaction of unmatched suppliers with no company number. The threshold (£214,904, the contract's
only row) and the directorates' names (the council's published structure, council_structure.py) are
written by hand, not read from the seeds.
The CSV files the release writes are read back and compared too.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from council_structure import DIRECTORATE_NAMES  # noqa: E402
from warehouse_world import run_dbt  # noqa: E402

from expectations.personal_data import (  # noqa: E402
    load_known_values,
    personal_relations,
    scan_key,
    scan_table,
)
from ingestion import FEEDS  # noqa: E402
from ingestion.landing import ingest_feed  # noqa: E402
from ingestion.procurement import CARD_TRANSACTIONS  # noqa: E402
from publication.transparency import TRANSPARENCY_FILES, write_all_transparency_files  # noqa: E402

pytestmark = pytest.mark.slow

THRESHOLD_GBP = 214904  # sub-central goods and services, including VAT, from 1 January 2024
REDACTED = "Redacted personal data"


def reporting_window(con: duckdb.DuckDBPyConnection) -> tuple[date, date]:
    """(first date, reporting date): the earliest file loaded but BUDGET and the card statements (dated by
    the period they cover, not by delivery), the newest FI_ITEMS file."""
    return con.execute(
        """select min(file_date) filter (
                      where table_name not in ('ibc_budget', 'procurement_card_transactions')),
                  max(file_date) filter (where table_name = 'ibc_fi_items')
           from ops.file_register where status in ('loaded', 'loaded_with_quarantine')"""
    ).fetchone()


def invoices(con: duckdb.DuckDBPyConnection) -> list[tuple[date, date | None, bool]]:
    """(received, paid, under a public contract) per vendor invoice (BLART KR)."""
    return con.execute(
        f"""
        with lines as (
            select * from raw.ibc_fi_items
            qualify row_number() over (
                partition by bukrs, belnr, gjahr, buzei order by _source_file desc, _row_number desc
            ) = 1
        ),
        register as (
            select * from raw.procurement_contracts_register
            where _source_file = (select max(_source_file) from raw.procurement_contracts_register)
        ),
        public_refs as (
            select contract_ref from register
            where start_date is not null and total_value_gbp >= {THRESHOLD_GBP}
        ),
        kr as (
            select bukrs, belnr, gjahr, min(cpudt) as received,
                   bool_or(zcontract in (select contract_ref from public_refs)) as public
            from lines where blart = 'KR' group by all
        ),
        paid as (select bukrs, belnr, gjahr, min(zaldt) as paid from raw.ibc_payments group by all)
        select kr.received, paid.paid, coalesce(kr.public, false)
        from kr left join paid using (bukrs, belnr, gjahr)
        """
    ).fetchall()


def recomputed_notice(con: duckdb.DuckDBPyConnection) -> dict[tuple[date, str], tuple]:
    first, reporting = reporting_window(con)
    rows = invoices(con)
    out = {}
    year = first.year - 1
    while date(year, 4, 1) <= reporting:
        for start, end in ((date(year, 4, 1), date(year, 9, 30)), (date(year, 10, 1), date(year + 1, 3, 31))):
            if start < first or end > reporting:
                continue
            for scope in ("public_contracts", "all_invoices"):
                chosen = [(r, p) for r, p, public in rows if public or scope == "all_invoices"]
                days = [(p - r).days for r, p in chosen if p is not None and start <= p <= end]
                payable = [p for r, p in chosen if start <= r + timedelta(30) <= end]
                n, m = len(days), len(payable)
                out[(start, scope)] = (
                    end,
                    n,
                    sum(days) / n if n else None,
                    sum(d <= 30 for d in days) / n if n else None,
                    sum(31 <= d <= 60 for d in days) / n if n else None,
                    sum(d > 60 for d in days) / n if n else None,
                    m,
                    sum(p is None or p > end for p in payable) / m if m else None,
                )
        year += 1
    return out


def published_notice(con: duckdb.DuckDBPyConnection) -> dict[tuple[date, str], tuple]:
    """The contract's columns of the notice (its completeness columns: published_completeness)."""
    return {
        (row[0], row[2]): (row[1], *row[3:])
        for row in con.execute(
            """select period_start, period_end, scope, invoices_paid, avg_days_to_pay, pct_paid_1_30_days,
                      pct_paid_31_60_days, pct_paid_61_plus_days, invoices_payable,
                      pct_payable_not_paid_in_period
               from bi.payments_compliance_notice"""
        ).fetchall()
    }


def recomputed_completeness(con: duckdb.DuckDBPyConnection, start: date, end: date) -> tuple[int, int, bool]:
    """(unknown invoices paid, missing source days, complete) of a period: documents paid in it that
    FI_ITEMS does not hold, and FI_ITEMS and PAYMENTS days from 30 days before it to its end with
    no file loaded (docs/statutory.md)."""
    unknown = con.execute(
        """select count(*) from (
               select bukrs, belnr, gjahr from raw.ibc_payments group by all having min(zaldt) between ? and ?
               except select bukrs, belnr, gjahr from raw.ibc_fi_items)""",
        [start, end],
    ).fetchone()[0]
    loaded = set(
        con.execute(
            """select table_name, file_date from ops.file_register
               where status in ('loaded', 'loaded_with_quarantine')
                 and table_name in ('ibc_fi_items', 'ibc_payments')"""
        ).fetchall()
    )
    days = [start - timedelta(30) + timedelta(n) for n in range((end - start).days + 31)]
    missing = sum((feed, day) not in loaded for feed in ("ibc_fi_items", "ibc_payments") for day in days)
    return unknown, missing, unknown == 0 and missing == 0


def recomputed_contracts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    register = con.execute(
        """select contract_ref, title, supplier_name, lifnr, company_number, directorate, total_value_gbp,
                  annual_value_gbp, start_date, end_date, review_date, route, sme, vcse
           from raw.procurement_contracts_register
           where _source_file = (select max(_source_file) from raw.procurement_contracts_register)
             and status = 'Active' and total_value_gbp > 5000"""
    ).fetchall()
    vendors = con.execute(
        """select lifnr, ktokk, zcrn from raw.ibc_lfa1
           qualify row_number() over (
               partition by lifnr order by aedtm desc, _source_file desc, _row_number desc
           ) = 1"""
    ).fetchall()
    out = {}
    for (
        ref,
        title,
        name,
        lifnr,
        number,
        directorate,
        value,
        annual,
        start,
        end,
        review,
        route,
        sme,
        vcse,
    ) in register:
        if lifnr:
            matched = [kind for vendor, kind, _ in vendors if vendor == lifnr]
        else:
            matched = [kind for _, kind, crn in vendors if number and crn == number]
        redacted = "INDV" in matched if matched else not number
        out[ref] = (
            title,
            DIRECTORATE_NAMES.get(directorate),
            title,
            REDACTED if redacted else name,
            None if redacted else number,
            round(value, 2),
            None if annual is None else round(annual, 2),
            0,
            start,
            end,
            review,
            route,
            "Y" if sme == "Y" else "N",
            "Y" if vcse == "Y" else "N",
        )
    return out


PERIODS = [date(2024, 4, 1), date(2024, 10, 1), date(2025, 4, 1), date(2025, 10, 1)]


def test_the_world_holds_four_whole_periods_with_late_and_unpaid_invoices(con):
    notice = recomputed_notice(con)
    assert sorted(notice) == [
        (start, scope) for start in PERIODS for scope in ("all_invoices", "public_contracts")
    ]
    for start in PERIODS:
        public = notice[(start, "public_contracts")]
        assert public[1] > 50 and public[5] > 0 and public[7] > 0  # paid late (61+) and payable but unpaid
        assert 0 < public[1] < notice[(start, "all_invoices")][1]


def test_the_compliance_notice_matches_the_independent_recomputation(con):
    assert published_notice(con) == recomputed_notice(con)


def test_the_compliance_notice_says_how_complete_each_period_is(con):
    rows = con.execute(
        """select period_start, period_end, scope, unknown_invoices_paid, missing_source_days, is_complete
           from bi.payments_compliance_notice"""
    ).fetchall()
    assert rows
    for start, end, _scope, *completeness in rows:
        assert tuple(completeness) == recomputed_completeness(con, start, end)
    # The world starts on 1 April 2024: the 30 days before it are missing for both daily feeds, so
    # the first period is incomplete; the later ones are whole.
    assert {(row[0], row[4] >= 2 * 30, row[5]) for row in rows if row[0] == PERIODS[0]} == {
        (PERIODS[0], True, False)
    }
    assert any(row[5] for row in rows)


def test_contracts_over_5000_match_the_independent_recomputation(con):
    published = {
        row[0]: row[1:] for row in con.execute("select * from bi.transparency_contracts_over_5000").fetchall()
    }
    assert published == recomputed_contracts(con)
    assert len(published) > 5


def test_the_published_csv_files_say_the_same(con, tmp_path):
    ended = tuple(
        month
        for (month,) in con.execute(
            "select month from intermediate.int_reporting_months where has_ended order by month"
        ).fetchall()
    )
    tables = ["payments_compliance_notice", "transparency_contracts_over_5000"]
    written = {p.name: p for p in write_all_transparency_files(con, "bi", tables, tmp_path, ended)}
    last_months = [date(s.year, 9, 1) if s.month == 4 else date(s.year + 1, 3, 1) for s in PERIODS]
    notices = {
        f"payments_compliance_notice_{start:%Y-%m}_{last:%Y-%m}.csv": start
        for start, last in zip(PERIODS, last_months, strict=True)
    }
    assert sorted(written) == sorted(["contracts_over_5000_2026-Q1.csv", *notices])

    def read(name: str) -> list[dict[str, str]]:
        assert written[name].read_bytes().startswith(b"\xef\xbb\xbf")
        with written[name].open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))

    notice = recomputed_notice(con)
    notice_rows = [(start, row) for name, start in notices.items() for row in read(name)]
    assert len(notice_rows) == 2 * len(PERIODS)
    for start, row in notice_rows:
        end, paid, mean, share_30, share_60, share_61, payable, not_paid = notice[(start, row["scope"])]
        assert (row["period_start"], row["period_end"]) == (f"{start:%d/%m/%Y}", end.strftime("%d/%m/%Y"))
        assert (row["invoices_paid"], row["invoices_payable"]) == (str(paid), str(payable))
        assert row["avg_days_to_pay"] == f"{mean:.2f}"
        assert [row["pct_paid_1_30_days"], row["pct_paid_31_60_days"], row["pct_paid_61_plus_days"]] == [
            f"{share:.4f}" for share in (share_30, share_60, share_61)
        ]
        assert row["pct_payable_not_paid_in_period"] == f"{not_paid:.4f}"
        unknown, missing, complete = recomputed_completeness(con, start, end)
        assert (row["unknown_invoices_paid"], row["missing_source_days"]) == (str(unknown), str(missing))
        assert row["is_complete"] == ("Y" if complete else "N")
    assert {row["is_complete"] for _, row in notice_rows} == {"Y", "N"}  # the first period is incomplete

    contracts = recomputed_contracts(con)
    rows = read("contracts_over_5000_2026-Q1.csv")
    assert [row["Reference"] for row in rows] == sorted(contracts)
    for row in rows:
        expected = contracts[row["Reference"]]
        assert row["Supplier name"] == expected[3]
        assert row["Supplier company number"] == (expected[4] or "")
        assert row["Value"] == f"{expected[5]:.2f}" and row["Irrecoverable VAT"] == "0.00"
        assert row["Start date"] == (expected[8].strftime("%d/%m/%Y") if expected[8] else "")


# Each guard of the two tables (dbt tests in marts/open/_open__models.yml) fires when a table breaks it.
DAMAGE = [
    (
        "payments_compliance_notice",
        "update {t} set pct_paid_61_plus_days = pct_paid_61_plus_days + 0.5",
        "compliance_notice_paid_shares_sum_to_one",
    ),
    (
        "payments_compliance_notice",
        "update {t} set avg_days_to_pay = null",
        "compliance_notice_figures_null_only_without_invoices",
    ),
    ("payments_compliance_notice", "update {t} set pct_payable_not_paid_in_period = 1.5", "between"),
    (
        "payments_compliance_notice",
        "update {t} set scope = 'some_invoices' where scope = 'all_invoices'",
        "accepted_values",
    ),
    ("payments_compliance_notice", "insert into {t} select * from {t}", "unique_combination"),
    (
        "transparency_contracts_over_5000",
        "update {t} set supplier_name = 'Redacted personal data'",
        "contracts_over_5000_redacted_suppliers_have_no_company_number",
    ),
    (
        "transparency_contracts_over_5000",
        "update {t} set value = 5000",
        "contracts_over_5000_value_over_5000",
    ),
    ("transparency_contracts_over_5000", "update {t} set sme = 'X'", "accepted_values"),
    (
        "payments_compliance_notice",
        "update {t} set is_complete = not is_complete",
        "compliance_notice_complete_without_gaps",
    ),
    (
        "transparency_purchase_cards",
        "update {t} set statement_quarter = statement_month",
        "purchase_cards_quarter_of_the_statement_month",
    ),
    ("transparency_purchase_cards", "update {t} set irrecoverable_vat = 0.01", "between"),
    ("transparency_purchase_cards", "update {t} set merchant_category = purpose", "matches_pattern"),
    ("transparency_purchase_cards", "insert into {t} select * from {t} limit 1", "unique"),
]


def test_each_guard_of_the_statutory_tables_fires_when_a_table_breaks_it(world: Path, tmp_path: Path):
    home = tmp_path / "damaged"
    home.mkdir()
    shutil.copyfile(world / "warehouse.duckdb", home / "warehouse.duckdb")
    with duckdb.connect(str(home / "warehouse.duckdb")) as damaged:
        for table, damage, _ in DAMAGE:
            damaged.execute(damage.format(t=f"bi.{table}"))
    tables = sorted({table for table, _, _ in DAMAGE})
    run_dbt(home, ["test", "--select", *tables, "--exclude", "test_type:unit"])
    target = home / "dbt" / "target"
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    failed = set()
    for result in json.loads((target / "run_results.json").read_text())["results"]:
        if result["status"] in ("fail", "error"):
            node = nodes[result["unique_id"]]
            model = node["attached_node"].rsplit(".", 1)[-1]
            failed |= {(model, node["name"]), (model, node["test_metadata"]["name"])}
    assert [(table, test) for table, _, test in DAMAGE if (table, test) not in failed] == []


# Purchase cards (contracts/kpis.md transparency_purchase_cards), recomputed from the statement
# files as delivered (archive/, the landing files the warehouse loaded) and the cost centres' latest
# CSKS snapshot; net = amount_gbp - vat_gbp, the quarter of the statement's month, the three
# statements of a quarter loaded before its file is written (docs/statutory.md).
CARD_STATEMENTS = "archive/procurement/cards"


def card_statements(world: Path) -> dict[str, dict[str, str]]:
    """Every transaction of the statement files by id (a later file's copy wins), with its month."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted((world / CARD_STATEMENTS).glob("pcard_transactions_*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                out[row["transaction_id"]] = {**row, "statement": path.stem[-6:]}
    return out


def cost_centre_directorates(world: Path) -> list[tuple[str, str, str, str]]:
    """(KOSTL, DATAB, DATBI, ZDIRECT) of the latest CSKS snapshot (cp1252, `|`, trailer last)."""
    latest = max((world / "archive/ibc/finance").glob("CSKS_*.txt"))
    lines = latest.read_bytes().decode("cp1252").split("\r\n")
    header = lines[0].split("|")
    rows = [
        dict(zip(header, line.split("|"), strict=True))
        for line in lines[1:]
        if line and not line.startswith("TRL|")
    ]
    return [(r["KOSTL"], r["DATAB"], r["DATBI"], r["ZDIRECT"]) for r in rows]


def uk_date(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def recomputed_cards(world: Path) -> dict[str, tuple]:
    centres = cost_centre_directorates(world)
    out = {}
    for tid, row in card_statements(world).items():
        spent = uk_date(row["transaction_date"])
        stamp = spent.strftime("%Y%m%d")
        directorate = next(
            (d for kostl, start, end, d in centres if kostl == row["kostl"] and start <= stamp <= end), None
        )
        month = int(row["statement"][4:])
        quarter = date(int(row["statement"][:4]), (month - 1) // 3 * 3 + 1, 1)
        out[tid] = (
            spent,
            quarter,
            DIRECTORATE_NAMES.get(directorate),
            row["merchant_name"],
            Decimal(row["amount_gbp"]) - Decimal(row["vat_gbp"] or "0"),
            Decimal("0.00"),
            row["mcc_description"],
            f"{row['mcc']} {row['mcc_description']}",
        )
    return out


def test_purchase_cards_match_the_independent_recomputation_from_the_statement_files(con, world):
    published = {
        row[0]: row[1:]
        for row in con.execute(
            """select transaction_id, transaction_date, statement_quarter, department, beneficiary, amount,
                      irrecoverable_vat, purpose, merchant_category
               from bi.transparency_purchase_cards"""
        ).fetchall()
    }
    expected = recomputed_cards(world)
    assert published == expected
    assert len(published) > 100 and any(row[4] < 0 for row in published.values())  # refunds too


# The first days of the calendar quarters of the window, April 2024 to April 2026.
QUARTERS = [date(2024 + (3 + 3 * n) // 12, (3 + 3 * n) % 12 + 1, 1) for n in range(9)]


def quarter_name(start: date) -> str:
    return f"{start.year}-Q{(start.month + 2) // 3}"


def ended_months(con: duckdb.DuckDBPyConnection) -> tuple[date, ...]:
    return tuple(
        month
        for (month,) in con.execute(
            "select month from intermediate.int_reporting_months where has_ended order by month"
        ).fetchall()
    )


def read_csv_file(path: Path) -> list[dict[str, str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_the_purchase_card_file_of_each_whole_quarter_says_the_same(con, world, tmp_path):
    written = write_all_transparency_files(
        con, "bi", ["transparency_purchase_cards"], tmp_path, ended_months(con)
    )
    # Statements April 2024 - February 2026 are loaded (March's arrives on 5 April): the quarters
    # April - June 2024 to October - December 2025 have all three.
    quarters = QUARTERS[:7]
    assert [p.name for p in written] == [f"purchase_cards_{quarter_name(q)}.csv" for q in quarters]
    cards = recomputed_cards(world)
    for path, quarter in zip(written, quarters, strict=True):
        expected = sorted(((row[0], tid), row) for tid, row in cards.items() if row[1] == quarter)
        rows = read_csv_file(path)
        assert len(rows) == len(expected) > 20
        for row, (_, (spent, _, department, merchant, net, _, purpose, category)) in zip(
            rows, expected, strict=True
        ):
            assert row == {
                "Transaction date": spent.strftime("%d/%m/%Y"),
                "Department": department or "",
                "Beneficiary": merchant,
                "Amount": f"{net:.2f}",
                "Irrecoverable VAT": "0.00",
                "Purpose": purpose,
                "Merchant category": category,
            }


def test_a_personal_value_in_the_card_free_text_never_reaches_an_open_file(con, world, tmp_path):
    statements = card_statements(world).values()
    planted = {
        row["description"] for row in statements if "@" in row["description"] or " for " in row["description"]
    }
    emails = {word for text in planted for word in text.split() if "@" in word}
    assert planted and emails  # the simulator typed residents' names and emails into the free text
    holders = {row["cardholder_pernr"] for row in statements}
    tables = [spec.table for spec in TRANSPARENCY_FILES]
    written = write_all_transparency_files(con, "bi", tables, tmp_path, ended_months(con))
    text = "\n".join(p.read_text(encoding="utf-8-sig") for p in written)
    cells = {cell for p in written for row in read_csv_file(p) for cell in row.values()}
    assert any(p.name.startswith("purchase_cards_") for p in written)
    assert not [value for value in planted | emails if value in text]
    assert not holders & cells  # a PERNR as a value (eight digits also occur inside other numbers)
    # The gate fires if the free text ever were published: its personal-data scan of a card table
    # whose Purpose is the description finds the email addresses.
    home = tmp_path / "leaky"
    home.mkdir()
    shutil.copyfile(world / "warehouse.duckdb", home / "warehouse.duckdb")
    with duckdb.connect(str(home / "warehouse.duckdb")) as leaky:
        leaky.execute(
            """create table bi.leaky_cards as
               select cards.* replace (texts.description as purpose)
               from bi.transparency_purchase_cards as cards
               join restricted.stg_procurement__card_texts as texts using (transaction_id)"""
        )
        key = scan_key("statutory-test")
        load_known_values(leaky, key, personal_relations(leaky, FEEDS))
        findings = scan_table(leaky, "bi.leaky_cards", ["purpose", "beneficiary", "department"], key)
        clean = scan_table(
            leaky, "bi.transparency_purchase_cards", ["purpose", "beneficiary", "department"], key
        )
    assert ("purpose", "email address") in {(f.column, f.kind) for f in findings}
    assert clean == []


# The spend over 500 as quarterly files: each ended quarter from the first month with spend holds
# the rows of its three monthly files; the rows recomputed from raw FI_ITEMS (a document's expense
# lines, GL 500000-599999 with a cost centre, signed by SHKZG; documents of 500 or more net in
# absolute value; one row per expense type, salaries left out).
EXPENSE_TYPES = [
    (500000, 509999, "Employees"),
    (510000, 510999, "Agency staff"),
    (520000, 529999, "Premises"),
    (530000, 539999, "Transport"),
    (540000, 549999, "Supplies and services"),
    (550000, 559999, "Third-party payments"),
    (560000, 569999, "Transfer payments"),
]


def recomputed_spend_rows(con: duckdb.DuckDBPyConnection, start: date, after: date) -> list[tuple]:
    """(transaction date, BELNR, expense type, net) of the quarter's spend rows, sorted."""
    ranges = " ".join(f"when gl between {low} and {high} then '{name}'" for low, high, name in EXPENSE_TYPES)
    return con.execute(
        f"""
        with lines as (
            select *, cast(hkont as integer) as gl,
                   case shkzg when 'S' then dmbtr else -dmbtr end as amount
            from raw.ibc_fi_items
            where blart in ('KR', 'KG')
            qualify row_number() over (
                partition by bukrs, belnr, gjahr, buzei order by _source_file desc, _row_number desc
            ) = 1
        ),
        expense as (
            select *, case {ranges} else 'Unclassified expenditure' end as expense_type from lines
            where gl between 500000 and 599999 and kostl is not null and kostl <> ''
        ),
        documents as (select bukrs, belnr, gjahr from expense group by all having abs(sum(amount)) >= 500)
        select min(budat) as day, belnr, expense_type, sum(amount) as net
        from expense join documents using (bukrs, belnr, gjahr)
        where expense_type <> 'Employees'
        group by bukrs, belnr, gjahr, expense_type
        having min(budat) >= ? and min(budat) < ?
        order by all
        """,
        [start, after],
    ).fetchall()


def test_the_spend_over_500_quarterly_files_match_the_recomputation_and_their_months(con, tmp_path):
    written = write_all_transparency_files(
        con, "bi", ["transparency_spend_over_500"], tmp_path, ended_months(con)
    )
    names = sorted(p.name for p in written)
    # From 1 April 2024 to 2 April 2026: months April 2024 - March 2026, eight whole quarters.
    quarters = [
        (
            f"spend_over_500_{quarter_name(start)}.csv",
            start,
            after,
            tuple(f"{start.year}-{start.month + m:02d}" for m in range(3)),
        )
        for start, after in zip(QUARTERS[:8], QUARTERS[1:], strict=True)
    ]
    assert [n for n in names if "-Q" in n] == [name for name, *_ in quarters]
    for name, start, after, months in quarters:
        rows = read_csv_file(tmp_path / name)
        monthly = [row for month in months for row in read_csv_file(tmp_path / f"spend_over_500_{month}.csv")]
        assert rows == monthly
        got = sorted(
            (
                uk_date(r["Transaction date"]),
                r["Transaction number"],
                r["Expense type"],
                Decimal(r["Net amount"]),
            )
            for r in rows
        )
        assert got == [
            (d, belnr, kind, round(net, 2))
            for d, belnr, kind, net in recomputed_spend_rows(con, start, after)
        ]
        assert len(got) > 20


def redeliver_november(home: Path, text: str) -> tuple[str, str | None]:
    """Land `text` as a re-delivery of November's card statement, ingest it and rebuild the card models:
    the status and refusal of the new version."""
    landing = home / "landing" / CARD_TRANSACTIONS.feed_path
    landing.mkdir(parents=True, exist_ok=True)
    (landing / NOVEMBER).write_text(text, encoding="utf-8")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        (outcome,) = ingest_feed(con, home, CARD_TRANSACTIONS).files
    result = run_dbt(home, ["run", "--select", "stg_procurement__card_transactions+"])
    assert result.returncode == 0, result.stdout[-2000:]
    return outcome.status, outcome.check_failed


def quarter_file(home: Path, out: Path) -> list[dict[str, str]]:
    """The rows of the purchase card file of October - December 2024 (November's quarter)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        write_all_transparency_files(con, "bi", ["transparency_purchase_cards"], out, ended_months(con))
    return read_csv_file(out / "purchase_cards_2024-Q4.csv")


NOVEMBER = "pcard_transactions_202411.csv"


def test_a_cut_card_statement_resent_is_refused_and_a_corrected_one_replaces_the_published_rows(
    world: Path, tmp_path: Path
):
    """No trailer proves a card statement whole: a re-delivery missing transaction ids is refused and
    the published quarter keeps its rows; one with the same ids and a corrected amount is a new version."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(world / "warehouse.duckdb", home / "warehouse.duckdb")
    shutil.copytree(world / CARD_STATEMENTS, home / CARD_STATEMENTS)
    before = quarter_file(home, tmp_path / "before")
    original = (world / CARD_STATEMENTS / NOVEMBER).read_text(encoding="utf-8")
    cut = original[: len(original) * 3 // 5]  # cut mid-file, most likely mid-record
    assert redeliver_november(home, cut) == ("quarantined", "records_lost")
    assert quarter_file(home, tmp_path / "after_cut") == before
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        refused = con.execute(
            "select status, check_failed, message from ops.file_register where file_name = ? "
            "order by version",
            [NOVEMBER],
        ).fetchall()
    assert [row[:2] for row in refused] == [("loaded", None), ("quarantined", "records_lost")]
    assert f"procurement/cards file {NOVEMBER}, version 2: " in refused[1][2]

    records = list(csv.DictReader(original.splitlines()))
    records[0]["amount_gbp"] = f"{Decimal(records[0]['amount_gbp']) + 1:.2f}"
    corrected = io.StringIO()
    writer = csv.DictWriter(
        corrected, fieldnames=list(records[0]), quoting=csv.QUOTE_ALL, lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(records)
    assert redeliver_november(home, corrected.getvalue()) == ("loaded", None)
    after = quarter_file(home, tmp_path / "after_correction")
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1
    old, new = changed[0]
    assert Decimal(new["Amount"]) - Decimal(old["Amount"]) == 1
    assert {k: v for k, v in new.items() if k != "Amount"} == {k: v for k, v in old.items() if k != "Amount"}
