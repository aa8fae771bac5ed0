"""The gate's generic rules: the readable policy, the row-count floor, personal data by shape, by
the known values of the restricted data (keyed hashes, whole values) and by column name, every
published table's grain declared in its dbt YAML, and Data Docs that show counts, never values."""

from pathlib import Path

import duckdb
import pytest
import yaml

from expectations.gate import (
    PERSONAL_COLUMN_NAME,
    closed_month_shifts,
    closed_month_suite,
    published_table_suite,
    table_profile,
)
from expectations.personal_data import load_known_values, personal_relations, scan_key, scan_table
from expectations.runner import (
    docs_index,
    max_row_drop,
    policy,
    published_table_policy,
    row_count_floor,
    run_suite,
)
from ingestion.contract import Column, FeedSpec

MARTS = Path(__file__).resolve().parents[3] / "dbt_project" / "models" / "marts"
KEY = scan_key("a test salt")
# One resident in a raw person index (personal columns by FeedSpec) and one in a restricted table.
PERSON_INDEX = FeedSpec(
    table="person_index_test",
    feed_path="services/person_index",
    file_prefix="test_",
    extension=".csv",
    format="csv",
    cadence="monthly",
    load="snapshot",
    columns=tuple(
        Column(name, personal=True)
        for name in ("first_name", "middle_name", "last_name", "dob", "address_line1", "postcode")
    )
    + (Column("phone", personal=True), Column("email", personal=True), Column("nhs_number", personal=True)),
)


def test_policy_is_read_from_the_file_and_unknown_suites_are_blocking():
    assert published_table_policy("fct_spend") == "blocking"
    assert policy("feed_completeness") == "warning"
    assert policy("raw_ibc_lfa1") == "warning" and policy("raw_ibc_fi_items") == "blocking"
    assert policy("a_suite_nobody_listed") == "blocking"
    assert max_row_drop() == 0.5


def test_a_table_may_lose_at_most_half_its_rows_and_never_all():
    assert row_count_floor(None) is None and row_count_floor(0) is None  # no previous release, or empty
    assert row_count_floor(1000) == 500
    assert row_count_floor(1) == 1
    assert row_count_floor(3) == 2


def _models() -> dict[str, dict]:
    models = {}
    for path in MARTS.rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models") or []:
            models[model["name"]] = model
    return models


def _tests(entries) -> list:
    return [t if isinstance(t, str) else next(iter(t)) for t in entries or []]


def test_every_published_table_declares_its_grain_in_its_dbt_yaml():
    """The grain (unique, or unique_combination) is a dbt test of the model, not a GX suite."""
    models = _models()
    marts = {p.stem for p in MARTS.rglob("*.sql")}
    assert marts and marts <= set(models)
    for name in marts:
        model = models[name]
        model_tests = _tests(model.get("data_tests"))
        column_tests = [t for c in model.get("columns", []) for t in _tests(c.get("data_tests"))]
        assert "unique_combination" in model_tests or "unique" in column_tests, name


def _one_column_table(values: list[str | None]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema bi")
    con.execute("create table bi.t (v varchar)")
    con.executemany("insert into bi.t values (?)", [[v] for v in values])
    load_known_values(con, KEY, [])
    return con


@pytest.mark.parametrize(
    ("value", "finding"),
    [
        ("grace.patel61@example.com", "email address"),
        ("GRACE.PATEL61@EXAMPLE.COM", "email address"),
        ("07476029308", "UK phone number"),
        ("07476 029308", "UK phone number"),
        ("+447216217594", "UK phone number"),
        ("+44 7216 217594", "UK phone number"),
        ("+44 (0)1865 123456", "UK phone number"),
        ("(01865) 123456", "UK phone number"),
        ("0044 1865 123 456", "UK phone number"),
        ("call 01865 123 456 today", "UK phone number"),
        ("020 7946 0000", "UK phone number"),
        ("HR415236C", "NI number"),
        ("hr 41 52 36 c", "NI number"),
        ("485 777 3456", "NHS number"),
        ("OX7 5GT", "full postcode"),
        ("OX75GT", "full postcode"),
        ("ox7 5gt", "full postcode"),
        ("14/03/1987", "date written as text"),
        ("4/3/1987", "date written as text"),
        ("1987-03-14", "date written as text"),
        ("14 March 1987", "date written as text"),
        ("14th mar 1987", "date written as text"),
    ],
)
def test_direct_identifiers_are_found_by_shape_in_any_case_and_format(value, finding):
    con = _one_column_table([value, "Libraries"])
    assert [(f.column, f.kind, f.values) for f in scan_table(con, "bi.t", ["v"], KEY)] == [("v", finding, 1)]


@pytest.mark.parametrize(
    "value",
    [
        "OX7",  # a postcode district is allowed
        "OX10",
        "5101000065",  # BELNR
        "0000100002",  # LIFNR
        "0000000105|2020-04-01",  # organisation key
        "PL20250407000001",
        "4a9f15966f8caa891ef15216546329d97548123b83fa46a64c1a9f2117886b4d",
        "Redacted personal data",
        "2024/25",
        "FI_ITEMS_20250401.txt",
        "file dated 2025-04-01 arrived late",  # a date inside text is not a date written as a value
        "crm:C0001234",
        "telephony:CALL202504010001",
        "Libraries",
        "report-a-pothole",
    ],
)
def test_legitimate_published_values_are_not_findings(value):
    con = _one_column_table([value])
    assert scan_table(con, "bi.t", ["v"], KEY) == []


def _warehouse() -> duckdb.DuckDBPyConnection:
    """A warehouse holding two residents' personal data: one in a raw feed, one in schema restricted."""
    con = duckdb.connect()
    con.execute("create schema raw; create schema restricted; create schema bi")
    con.execute(
        """create table raw.person_index_test as select * from (values
        ('Grace', 'Amelia', 'Patel', '1987-03-14', '12 High Street', 'OX4 1AB', '07476 029308',
         'grace.patel61@example.com', '4857773456', 'a gender')) t(first_name, middle_name, last_name,
         dob, address_line1, postcode, phone, email, nhs_number, gender)"""
    )
    con.execute(
        """create table restricted.customer_golden as select * from (values
        ('k1', 'Ann', 'Hall', date '1950-01-02', 'Flat 3, 9 Mill Lane', 'AB123456C', '100023336956'))
        t(customer_key, first_name, last_name, date_of_birth, address_line1, ni_number, uprn)"""
    )
    assert load_known_values(con, KEY, personal_relations(con, [PERSON_INDEX])) > 10
    return con


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("Grace Patel", "known full name"),
        ("PATEL, Grace", "known full name"),
        ("Grace Amelia Patel", "known full name"),
        ("Ann Hall", "known full name"),
        ("12 High Street", "known address line"),
        ("flat 3 9 mill lane", "known address line"),
        ("4857773456", "known NHS number"),
        ("ab123456c", "known NI number"),
        ("100023336956", "known UPRN"),
    ],
)
def test_a_planted_value_the_restricted_data_holds_is_found_whole_value_any_case(planted, kind):
    con = _warehouse()
    con.execute("create table bi.t as select * from (values ('Libraries'), (?)) t(v)", [planted])
    assert ("v", kind) in {(f.column, f.kind) for f in scan_table(con, "bi.t", ["v"], KEY)}, planted


@pytest.mark.parametrize(
    ("planted", "kinds"),
    [
        ("ox4 1ab", {"full postcode", "known postcode"}),
        ("07476029308", {"UK phone number", "known phone number"}),
        ("+44 7476 029308", {"UK phone number", "known phone number"}),
        ("14/03/1987", {"date written as text", "known date of birth"}),
        ("14 March 1987", {"date written as text", "known date of birth"}),
        ("GRACE.PATEL61@EXAMPLE.COM", {"email address", "known email address"}),
    ],
)
def test_a_planted_identifier_is_found_by_shape_and_as_a_known_value(planted, kinds):
    con = _warehouse()
    con.execute("create table bi.t as select * from (values (?)) t(v)", [planted])
    assert {f.kind for f in scan_table(con, "bi.t", ["v"], KEY)} == kinds


@pytest.mark.parametrize(
    "value",
    [
        "Hall",
        "Ann",
        "Patel",
        "Grace",
        "Hall & Sons Ltd",
        "Patel Pharmacy",
        "High Street",
        "Mill Lane",
        "Amelia",
    ],
)
def test_single_names_and_street_names_alone_are_not_known_values(value):
    con = _warehouse()
    con.execute("create table bi.t as select * from (values (?)) t(v)", [value])
    assert scan_table(con, "bi.t", ["v"], KEY) == []


def test_the_scan_compares_keyed_hashes_and_keeps_no_value(tmp_path):
    """A different key finds the same values (the key is per deployment, not per value), and the
    known values' table holds hashes and normalised forms only inside the scanning connection."""
    con = _warehouse()
    con.execute("create table bi.t as select * from (values ('Grace Patel')) t(v)")
    assert [f.kind for f in scan_table(con, "bi.t", ["v"], KEY)] == ["known full name"]
    assert scan_table(con, "bi.t", ["v"], scan_key("another salt")) == []  # hashes keyed: no match
    assert scan_key("a test salt") != scan_key("another salt") and len(KEY) == 32


def test_personal_column_names():
    named = [
        "customer_email",
        "caller_number",
        "dob",
        "customer_dob",
        "postcode",
        "address_line1",
        "first_name",
        "pernr",
    ]
    allowed = ["contacts_phone", "contacts_email", "postcode_district", "supplier_name", "transaction_number"]
    assert all(PERSONAL_COLUMN_NAME.match(c) for c in named)
    assert not any(PERSONAL_COLUMN_NAME.match(c) for c in allowed)


def test_a_failing_profile_reports_columns_and_counts_and_its_data_docs_show_no_values(tmp_path):
    con = _warehouse()
    con.execute(
        """create table bi.kpi_digital_monthly as select * from (values
        ('apply-bus-pass', null, 3), ('jo.bloggs@example.com', 'x', 2), ('Grace Patel', null, 1))
        t(form, customer_email, forms_started)"""
    )
    profile, findings = table_profile(con, "bi", "kpi_digital_monthly", KEY)
    outcome = run_suite(
        published_table_suite("kpi_digital_monthly", 10), profile, blocking=True, docs=tmp_path
    )
    assert not outcome.success and outcome.blocking
    assert {(f["column"], f["finding"]) for f in findings} == {
        ("form", "email address"),
        ("form", "known full name"),
        ("customer_email", "values in a column named like an identifier"),
    }
    failed = {f["kwargs"]["column"]: f["unexpected_count"] for f in outcome.failed}
    assert failed == {"table_rows": 3, "personal_data_values": 2}  # 3 rows where there were 10; 2 columns
    assert docs_index(tmp_path).is_file() and outcome.docs_page.startswith("file://")
    written = "".join(
        p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.suffix in {".html", ".json"}
    )
    assert "kpi_digital_monthly" in written
    for value in ("jo.bloggs", "Grace", "Patel", "grace", "patel"):
        assert value not in written and value not in repr(outcome.failed) and value not in repr(findings)


def test_a_clean_table_passes_its_profile():
    con = _warehouse()
    con.execute(
        "create table bi.fct as select * from (values ('Libraries', 'OX4', 5)) t(service, district, n)"
    )
    profile, findings = table_profile(con, "bi", "fct", KEY)
    assert findings == []
    assert run_suite(published_table_suite("fct", 1), profile, blocking=True).success


def test_kpi_values_of_closed_months_restated_since_the_previous_release_are_counted(tmp_path):
    previous = tmp_path / "release.duckdb"
    con = duckdb.connect(str(previous))
    con.execute(
        """create schema bi; create table bi.kpi_x as select * from (values
        (date '2025-03-01', 'ADULTS', 10, 0.5), (date '2025-03-01', 'FIRE', 4, 0.25),
        (date '2025-04-01', 'ADULTS', 7, 0.1)) t(month, directorate, contacts, rate)"""
    )
    con.close()
    con = duckdb.connect()
    con.execute(f"attach '{previous}' as previous_release (read_only)")
    con.execute("create schema bi")
    con.execute("create table bi.kpi_x as select * from previous_release.bi.kpi_x")
    # The previous release's reporting date 2025-04-10: March is closed, April is not.
    unchanged = closed_month_shifts(con, "kpi_x", "previous_release", "2025-04-10")
    assert unchanged["changed_cells"].tolist() == [0, 0] and unchanged["rows_appeared_or_gone"].max() == 0
    assert run_suite(closed_month_suite("kpi_x"), unchanged, blocking=False).success

    con.execute("update bi.kpi_x set contacts = contacts + 1")  # March restated, April grows (open)
    con.execute("update bi.kpi_x set rate = 0.3 where directorate = 'FIRE'")
    con.execute("insert into bi.kpi_x values (date '2025-03-01', 'RESOURCES', 1, null)")
    shifts = closed_month_shifts(con, "kpi_x", "previous_release", "2025-04-10")
    assert dict(zip(shifts["column_name"], shifts["changed_cells"], strict=True)) == {
        "contacts": 2,
        "rate": 1,
    }
    assert shifts["rows_appeared_or_gone"].max() == 1
    outcome = run_suite(closed_month_suite("kpi_x"), shifts, blocking=False)
    assert not outcome.success and not outcome.blocking


def test_a_table_describing_one_release_may_become_empty_where_any_other_fails():
    """bi.restatements lists what this release restated: after a release with restatements, one with
    none is empty (gate_policy.yml row_count.not_for); a KPI table emptied the same way fails."""
    con = _warehouse()
    for table in ("restatements", "kpi_x"):
        con.execute(f"create table bi.{table} (table_name varchar, delta double)")
        profile, _ = table_profile(con, "bi", table, KEY)
        outcome = run_suite(published_table_suite(table, 10), profile, blocking=True)
        assert outcome.success is (table == "restatements"), table


def test_a_statutory_name_is_allowed_only_where_the_law_requires_it():
    """senior_salaries.name may hold a known full name (gate_policy.yml statutory_personal_data); the
    same name anywhere else, or any other kind of personal data in that column, still fails."""
    con = _warehouse()
    con.execute(
        """create table bi.senior_salaries as select * from (values
        ('Chief Executive', 'Grace Patel', '195000-199999')) t(job_title, name, salary_band)"""
    )
    profile, findings = table_profile(con, "bi", "senior_salaries", KEY)
    assert findings == []
    assert run_suite(published_table_suite("senior_salaries", 1), profile, blocking=True).success

    con.execute(
        """create or replace table bi.senior_salaries as select * from (values
        ('Ann Hall', 'grace.patel61@example.com', '195000-199999')) t(job_title, name, salary_band)"""
    )
    _, findings = table_profile(con, "bi", "senior_salaries", KEY)
    assert {(f["column"], f["finding"]) for f in findings} == {
        ("job_title", "known full name"),
        ("name", "email address"),
        ("name", "known email address"),
    }
    con.execute(
        """create table bi.organisation_chart as select * from (values ('Chief Executive', 'Grace Patel'))
        t(job_title, name)"""
    )
    _, findings = table_profile(con, "bi", "organisation_chart", KEY)
    assert {(f["column"], f["finding"]) for f in findings} == {("name", "known full name")}
