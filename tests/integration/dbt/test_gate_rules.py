"""The declarative rules of the published tables live in the dbt YAML (one home per rule) and fire:
each rule moved there from a per-table GX suite fails its dbt test when a table breaks it, and
passes on the world's own tables (test_build). The damage is undone afterwards (shared world)."""

import json
from pathlib import Path

import duckdb
import pytest
from warehouse_world import run_dbt

pytestmark = pytest.mark.slow  # the small simulated world, then one `dbt test`

# (table, damage as SQL, the dbt test that must fail: (model, column or None, test name)).
DAMAGE = [
    (
        "benefits_realisation",
        "update {t} set financial_year = '2020-21'",
        ("financial_year", "matches_pattern"),
    ),
    (
        "customer_360",
        "update {t} set customer_key = upper(customer_key)",
        ("customer_key", "matches_pattern"),
    ),
    (
        "dim_customer",
        "update {t} set postcode_district = 'OX4 1AB'",
        ("postcode_district", "matches_pattern"),
    ),
    (
        "data_quality_summary",
        "update {t} set rows_loaded = rows_in + 1 where rows_in is not null",
        (None, "expression_is_true"),
    ),
    ("dim_date", "delete from {t} where date_day > date '2018-03-01'", (None, "row_count_at_least")),
    ("dim_date", "update {t} set iso_week = 54 where date_day = date '2018-01-01'", ("iso_week", "between")),
    ("dim_organisation", "update {t} set valid_to = valid_from - 1", (None, "expression_is_true")),
    ("dim_supplier", "update {t} set town = 'Oxford' where is_individual", (None, "expression_is_true")),
    ("fct_contacts", "update {t} set wait_s = -1 where wait_s is not null", ("wait_s", "not_negative")),
    ("fct_spend", "update {t} set category = 'Sweets'", ("category", "relationships")),
    ("kpi_spend_monthly", "update {t} set category = 'Sweets'", ("category", "relationships")),
    ("kpi_workforce_monthly", "update {t} set fte = headcount + 1", (None, "expression_is_true")),
    ("kpi_workforce_monthly", "update {t} set turnover_rate_12m = 1.5", ("turnover_rate_12m", "between")),
    (
        "transparency_spend_over_500",
        "update {t} set expense_type = 'Employees'",
        (None, "expression_is_true"),
    ),
    ("transparency_spend_over_500", "update {t} set purpose = 'Line text'", ("purpose", "accepted_values")),
    (
        "transparency_spend_over_500",
        "update {t} set body_name = 'Another council'",
        ("body_name", "accepted_values"),
    ),
    (
        "transparency_spend_over_500",
        "update {t} set card_transaction = 'Y'",
        ("card_transaction", "accepted_values"),
    ),
    ("transparency_spend_over_500", "update {t} set irrecoverable_vat = 1", ("irrecoverable_vat", "between")),
]


def _failed_tests(target: Path) -> set[tuple[str, str | None, str]]:
    """(model, column, test name) of every dbt test that failed in the invocation writing `target`."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    failed = set()
    for result in results:
        if result["status"] not in ("fail", "error"):
            continue
        node = nodes[result["unique_id"]]
        model = node["attached_node"].rsplit(".", 1)[-1] if node.get("attached_node") else None
        failed.add((model, node.get("column_name"), node["test_metadata"]["name"]))
    return failed


def test_each_rule_moved_from_gx_fails_its_dbt_test_when_a_table_breaks_it(small_world: Path, tmp_path: Path):
    tables = sorted({table for table, _, _ in DAMAGE})
    con = duckdb.connect(str(small_world / "warehouse.duckdb"))
    try:
        for table in tables:
            con.execute(f"create table bi.{table}__kept as select * from bi.{table}")
        for table, damage, _ in DAMAGE:
            con.execute(damage.format(t=f"bi.{table}"))
        con.close()
        # Its own target folder: the world's run_results.json stays the nightly build's (test_build).
        target = tmp_path / "target"
        run_dbt(
            small_world,
            ["test", "--select", *tables, "--exclude", "test_type:unit", "--target-path", str(target)],
        )
        failed = _failed_tests(target)
    finally:
        con = duckdb.connect(str(small_world / "warehouse.duckdb"))
        for table in tables:
            con.execute(f"delete from bi.{table}")
            con.execute(f"insert into bi.{table} select * from bi.{table}__kept")
            con.execute(f"drop table bi.{table}__kept")
        con.close()
    missing = [(table, *test) for table, _, test in DAMAGE if (table, *test) not in failed]
    assert missing == []
