"""The statutory outputs recomputed independently from the raw extracts, on a simulated world
holding one whole six-month period (October 2024 - March 2025).

Written from contracts/kpis.md ("Statutory outputs", payment performance) and contracts/sources.md,
not from the dbt models: plain SQL over schema `raw` and the file register, and Python for the
periods and figures. It shares with the warehouse only what docs/statutory.md and docs/warehouse.md
decide where the contract is silent: the reporting window (first_date: the earliest file loaded but
BUDGET), whole periods only, any invoice line's ZCONTRACT counting, the redaction of unmatched
suppliers with no company number. The threshold (£214,904, the contract's only row) and the
directorates' names (the council's published structure, council_structure.py) are written by hand,
not read from the seeds.
The CSV files the release writes are read back and compared too.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from council_structure import DIRECTORATE_NAMES  # noqa: E402
from warehouse_world import built_world, run_dbt  # noqa: E402

from publication.transparency import write_all_transparency_files  # noqa: E402

pytestmark = pytest.mark.slow

# 25 September 2024 to 2 April 2025: the period 1 October - 31 March lies whole in the window and has
# ended; invoices received in late September become payable in October.
STATUTORY_WORLD = {"scale": 0.01, "start": date(2024, 9, 25), "days": 190, "seed": 7}
THRESHOLD_GBP = 214904  # sub-central goods and services, including VAT, from 1 January 2024
REDACTED = "Redacted personal data"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_world(tmp_path_factory.mktemp("statutory"), **STATUTORY_WORLD)


def reporting_window(con: duckdb.DuckDBPyConnection) -> tuple[date, date]:
    """(first date, reporting date): the earliest file loaded but BUDGET, the newest FI_ITEMS file."""
    return con.execute(
        """select min(file_date) filter (where table_name <> 'ibc_budget'),
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
    return {
        (row[0], row[2]): (row[1], *row[3:])
        for row in con.execute("select * from bi.payments_compliance_notice").fetchall()
    }


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


def test_the_world_holds_a_whole_period_with_late_and_unpaid_invoices(con):
    notice = recomputed_notice(con)
    assert sorted(notice) == [(date(2024, 10, 1), "all_invoices"), (date(2024, 10, 1), "public_contracts")]
    public = notice[(date(2024, 10, 1), "public_contracts")]
    assert public[1] > 50 and public[5] > 0 and public[7] > 0  # paid late (61+) and payable but unpaid
    assert 0 < public[1] < notice[(date(2024, 10, 1), "all_invoices")][1]


def test_the_compliance_notice_matches_the_independent_recomputation(con):
    assert published_notice(con) == recomputed_notice(con)


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
    assert sorted(written) == [
        "contracts_over_5000_2025-Q1.csv",
        "payments_compliance_notice_2024-10_2025-03.csv",
    ]

    def read(name: str) -> list[dict[str, str]]:
        assert written[name].read_bytes().startswith(b"\xef\xbb\xbf")
        with written[name].open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))

    notice = recomputed_notice(con)
    for row in read("payments_compliance_notice_2024-10_2025-03.csv"):
        end, paid, mean, share_30, share_60, share_61, payable, not_paid = notice[
            (date(2024, 10, 1), row["scope"])
        ]
        assert (row["period_start"], row["period_end"]) == ("01/10/2024", end.strftime("%d/%m/%Y"))
        assert (row["invoices_paid"], row["invoices_payable"]) == (str(paid), str(payable))
        assert row["avg_days_to_pay"] == f"{mean:.2f}"
        assert [row["pct_paid_1_30_days"], row["pct_paid_31_60_days"], row["pct_paid_61_plus_days"]] == [
            f"{share:.4f}" for share in (share_30, share_60, share_61)
        ]
        assert row["pct_payable_not_paid_in_period"] == f"{not_paid:.4f}"

    contracts = recomputed_contracts(con)
    rows = read("contracts_over_5000_2025-Q1.csv")
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
