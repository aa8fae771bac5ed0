"""Totals reconcile across layers (contracts/kpis.md): blocking dbt tests that pass on the demo world,
fire on a planted difference, and reach Dagster as blocking checks of the KPI marts."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from private_home import definitions
from warehouse_world import run_dbt

# test name -> the KPI mart it judges
RECONCILIATIONS = {
    "kpi_spend_monthly_spend_reconciles_with_fct_spend": "kpi_spend_monthly",
    "kpi_payment_performance_monthly_invoices_reconcile_with_fct_payments": "kpi_payment_performance_monthly",
    "kpi_csc_monthly_contacts_reconcile_with_fct_contacts": "kpi_csc_monthly",
    "kpi_csc_monthly_calls_offered_reconcile_with_fct_contacts": "kpi_csc_monthly",
}
SELECT = ["test", "--select", "test_name:reconciles_by_month"]

# One difference per reconciliation, each in one month: a pound of spend appearing in the mart
# only, a paid invoice lost from the fact, a contact counted twice, an offered call lost.
PLANTS = (
    """update bi.kpi_spend_monthly set spend_gbp = spend_gbp + 1, non_contract_gbp = non_contract_gbp + 1
       where (month, directorate, category) = (select (month, directorate, category)
                                               from bi.kpi_spend_monthly order by all limit 1)""",
    """delete from bi.fct_payments
       where (company_code, document_number, fiscal_year) = (
           select (company_code, document_number, fiscal_year) from bi.fct_payments
           where month in (select month from bi.kpi_payment_performance_monthly) order by all limit 1)""",
    """update bi.kpi_csc_monthly set contacts = contacts + 1, contacts_phone = contacts_phone + 1
       where (month, service) = (select (month, service) from bi.kpi_csc_monthly order by all limit 1)""",
    """delete from bi.fct_contacts
       where contact_key = (select min(contact_key) from bi.fct_contacts
                            where source_system = 'telephony' and is_offered
                              and month in (select month from bi.kpi_csc_monthly))""",
)


@pytest.mark.slow
def test_each_reconciliation_passes_on_the_demo_and_fails_on_a_planted_difference(
    small_world: Path, tmp_path: Path
):
    shutil.copy(small_world / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    passed = run_dbt(tmp_path, SELECT)
    assert passed.returncode == 0, passed.stdout[-3000:]
    assert all(f"PASS {name}" in passed.stdout for name in RECONCILIATIONS), passed.stdout[-3000:]

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        for plant in PLANTS:
            assert con.execute(plant).fetchall()[0][0] == 1  # one row changed or deleted
    finally:
        con.close()
    failed = run_dbt(tmp_path, SELECT)
    assert failed.returncode == 1
    # each fails on exactly the one month its plant touched
    assert all(f"FAIL 1 {name}" in failed.stdout for name in RECONCILIATIONS), failed.stdout[-3000:]


def test_the_reconciliations_are_blocking_checks_of_the_kpi_marts():
    graph = definitions().resolve_asset_graph()
    for name, mart in RECONCILIATIONS.items():
        key = dg.AssetCheckKey(dg.AssetKey(["bi", mart]), name)
        assert key in graph.asset_check_keys, key
        assert graph.get_check_spec(key).blocking, key


@pytest.mark.slow
def test_lines_whose_cost_centre_has_no_directorate_move_to_unallocated_and_still_reconcile(
    small_world: Path, tmp_path: Path
):
    """The cost centre with the most spend disappears from CSKS: its spend, paid invoices and actuals
    are reported under UNALLOCATED, no money leaves the grids, and the reconciliations still pass."""
    shutil.copy(small_world / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    totals = """select (select sum(spend_gbp) from bi.kpi_spend_monthly),
                       (select sum(invoices_paid) from bi.kpi_payment_performance_monthly),
                       (select sum(actual_gbp) from bi.kpi_budget_monthly),
                       (select sum(budget_gbp) from bi.kpi_budget_monthly),
                       (select sum(spend_gbp) from bi.kpi_spend_monthly where directorate = 'UNALLOCATED')"""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        *before, unallocated_before = con.execute(totals).fetchall()[0]
        cost_centre = con.execute(
            "select cost_centre from bi.fct_spend group by cost_centre order by count(*) desc, 1 limit 1"
        ).fetchall()[0][0]
        con.execute("delete from raw.ibc_csks where KOSTL = ?", [cost_centre])
    finally:
        con.close()
    assert unallocated_before == 0

    select = ["--select", "int_fi_lines+", "kpi_budget_monthly", "--exclude-resource-type", "unit_test"]
    rebuilt = run_dbt(tmp_path, ["build", *select])
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    money = [name for name, mart in RECONCILIATIONS.items() if mart != "kpi_csc_monthly"]
    assert all(f"PASS {name}" in rebuilt.stdout for name in money), rebuilt.stdout[-3000:]

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        *after, unallocated_after = con.execute(totals).fetchall()[0]
        lines = con.execute(
            "select count(*), count(*) filter (where directorate = 'UNALLOCATED') from bi.fct_spend "
            "where cost_centre = ?",
            [cost_centre],
        ).fetchall()[0]
    finally:
        con.close()
    assert after == before  # nothing dropped out of the directorate grids
    assert unallocated_after > 0 and lines[0] == lines[1] > 0
