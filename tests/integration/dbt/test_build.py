"""`dbt build` on a small simulated world: every test passes, nothing personal is published, docs build."""

import json
import re
from pathlib import Path

import duckdb
import pytest
from warehouse_world import run_dbt

pytestmark = pytest.mark.slow  # needs the small simulated world (simulate, ingest, dbt build)

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
FULL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}")
PHONE = re.compile(r"\+44[0-9]{9,10}|0[1-37][0-9]{8,9}")  # UK numbers, spaces removed


def test_build_runs_every_data_and_unit_test_and_they_pass(small_world: Path):
    results = json.loads((small_world / "dbt" / "target" / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results}
    unit_tests = [uid for uid in statuses if uid.startswith("unit_test.")]
    data_tests = [uid for uid in statuses if uid.startswith("test.")]
    assert len(unit_tests) >= 15 and len(data_tests) >= 150
    failed = {uid: s for uid, s in statuses.items() if s not in ("success", "pass", "warn", "no-op")}
    assert failed == {}


def test_published_tables_hold_no_personal_data(small_world: Path):
    con = duckdb.connect(str(small_world / "warehouse.duckdb"), read_only=True)
    try:
        individuals = {
            row[0]
            for row in con.execute(
                "select vendor_name from restricted.stg_ibc__vendor_personal_data "
                "where account_group = 'INDV'"
            ).fetchall()
        }
        assert individuals
        columns = con.execute(
            """select table_name, column_name from duckdb_columns()
               where schema_name = 'bi' and data_type = 'VARCHAR'"""
        ).fetchall()
        for table, column in columns:
            values = [
                v for (v,) in con.execute(f'select distinct "{column}" from bi.{table}').fetchall() if v
            ]
            for value in values:
                assert not EMAIL.search(value), f"bi.{table}.{column} holds an email address"
                assert not FULL_POSTCODE.fullmatch(value), f"bi.{table}.{column} holds a full postcode"
                assert not PHONE.fullmatch(value.replace(" ", "")), (
                    f"bi.{table}.{column} holds a phone number"
                )
            assert not individuals & set(values), f"bi.{table}.{column} names an individual supplier"
    finally:
        con.close()


def test_docs_generate_includes_the_published_tables_and_exposures(small_world: Path):
    result = run_dbt(small_world, ["docs", "generate"])

    assert result.returncode == 0, result.stdout[-3000:]
    target = small_world / "dbt" / "target"
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    documented = {
        node["metadata"]["name"] for node in catalog["nodes"].values() if node["metadata"]["schema"] == "bi"
    }
    assert {"kpi_csc_monthly", "kpi_workforce_monthly", "fct_spend", "dim_supplier"} <= documented
    exposures = {e["name"] for e in manifest["exposures"].values()}
    assert {
        "csc_daily_huddle_dashboard",
        "workforce_monthly_pack",
        "provision_cycle_off_contract_report",
    } <= exposures
    assert (target / "index.html").exists()
