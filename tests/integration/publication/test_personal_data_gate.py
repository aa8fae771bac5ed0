"""The gate knows the personal data it protects: a resident's real values, planted into a published
text column in the forms people write them, block the release every time; the world's own
published values pass. Findings name the table and column, never the value."""

import json
from datetime import date

import dagster as dg
import duckdb
import pytest
from conftest import check_evaluations
from published_world import released
from test_publish import tree_state

pytestmark = pytest.mark.slow

TABLE, COLUMN = "kpi_digital_monthly", "form"


def a_resident(home) -> dict:
    """One resolved resident's golden record (every detail known)."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        row = con.execute(
            """select first_name, last_name, address_line1, postcode, phone, date_of_birth, email
            from restricted.customer_golden
            where first_name is not null and last_name is not null and address_line1 is not null
              and postcode is not null and phone is not null and date_of_birth is not null
              and email is not null
            order by customer_key limit 1"""
        ).fetchone()
    finally:
        con.close()
    assert row, "the world has a resident with every detail"
    return dict(zip(["first", "last", "address", "postcode", "phone", "dob", "email"], row, strict=True))


def _phone_with_a_space(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    national = "0" + digits[2:] if digits.startswith("44") else digits
    return f"{national[:5]} {national[5:]}"


PLANTINGS = {
    "full name": lambda r: f"{r['first']} {r['last']}",
    "address line": lambda r: r["address"],
    "lower-case postcode": lambda r: r["postcode"].lower(),
    "phone with a space": lambda r: _phone_with_a_space(r["phone"]),
    "date of birth dd/mm/yyyy": lambda r: (
        r["dob"] if isinstance(r["dob"], date) else date.fromisoformat(str(r["dob"]))
    ).strftime("%d/%m/%Y"),
    "email in capitals": lambda r: r["email"].upper(),
}


def test_the_worlds_published_values_pass_the_personal_data_scan(published):
    _, result = published
    gates = [
        c for c in check_evaluations(result) if c.check_name.startswith("gx_") and c.asset_key.path[0] == "bi"
    ]
    assert gates and all(c.passed for c in gates)
    assert all(c.metadata["personal_data_findings"].value == [] for c in gates)
    # The scan compared the tables with the world's personal values, not with an empty set.
    assert all(c.metadata["known_personal_values"].value > 1000 for c in gates)


@pytest.mark.parametrize("how", list(PLANTINGS))
def test_a_residents_real_value_planted_in_a_published_column_blocks_the_release(
    published, gate_and_publish, how
):
    home, _ = published
    value = PLANTINGS[how](a_resident(home))
    state = tree_state(home / "published")
    warehouse = duckdb.connect(str(home / "warehouse.duckdb"))
    kept = warehouse.execute(f"select {COLUMN} from bi.{TABLE} where rowid = 0").fetchone()[0]
    warehouse.execute(f"update bi.{TABLE} set {COLUMN} = ? where rowid = 0", [value])
    warehouse.close()
    try:
        result = gate_and_publish(home)
    finally:
        warehouse = duckdb.connect(str(home / "warehouse.duckdb"))
        warehouse.execute(f"update bi.{TABLE} set {COLUMN} = ? where rowid = 0", [kept])
        warehouse.close()

    # The planted value also changes the grain of a closed month (a warning, closed_months_<table>).
    failed = [c for c in check_evaluations(result) if not c.passed and c.blocking]
    assert [(c.asset_key.to_user_string(), c.check_name) for c in failed] == [(f"bi/{TABLE}", f"gx_{TABLE}")]
    assert failed[0].blocking and failed[0].severity == dg.AssetCheckSeverity.ERROR
    findings = failed[0].metadata["personal_data_findings"].value
    assert findings and {f["column"] for f in findings} == {COLUMN}
    assert any(f["finding"].startswith("known ") for f in findings)  # a value the warehouse holds
    assert not released(result) and tree_state(home / "published") == state
    everything = json.dumps({k: str(v.value) for c in failed for k, v in c.metadata.items()})
    assert value not in everything and value.lower() not in everything.lower()
