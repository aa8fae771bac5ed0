"""The gate's rules: the readable policy, the row-count floor, personal data by shape and by column
name, a suite for every published table, and Data Docs that show counts, never values."""

import re
from pathlib import Path

import pandas as pd
import pytest

from expectations.runner import (
    PERSONAL_COLUMN_NAME,
    PERSONAL_VALUE_PATTERNS,
    docs_index,
    max_row_drop,
    policy,
    published_table_expectations,
    row_count_floor,
    run_suite,
)

MARTS = Path(__file__).resolve().parents[3] / "dbt_project" / "models" / "marts"
SUITES = Path(__file__).resolve().parents[3] / "expectations" / "suites"


def test_policy_is_read_from_the_file_and_unknown_suites_are_blocking():
    assert policy("fct_spend") == "blocking"
    assert policy("feed_completeness") == "warning"
    assert policy("a_table_nobody_listed") == "blocking"
    assert max_row_drop() == 0.5


def test_a_table_may_lose_at_most_half_its_rows_and_never_all():
    assert row_count_floor(None) is None and row_count_floor(0) is None  # no previous release, or empty
    assert row_count_floor(1000) == 500
    assert row_count_floor(1) == 1
    assert row_count_floor(3) == 2


def test_every_published_table_has_a_suite():
    marts = {p.stem for p in MARTS.rglob("*.sql")}
    assert marts and marts <= {p.stem for p in SUITES.glob("*.py")}


@pytest.mark.parametrize(
    ("value", "personal"),
    [
        ("grace.patel61@example.com", True),
        ("07476029308", True),
        ("+447216217594", True),
        ("call 01865 123 456 today", True),
        ("HR415236C", True),
        ("OX7 5GT", True),
        ("OX75GT", True),
        ("OX7", False),  # a postcode district is allowed
        ("5101000065", False),  # BELNR
        ("0000100002", False),  # LIFNR
        ("PL20250407000001", False),
        ("4a9f15966f8caa891ef15216546329d97548123b83fa46a64c1a9f2117886b4d", False),
        ("Redacted personal data", False),
    ],
)
def test_personal_value_patterns(value, personal):
    assert any(re.search(p, value) for p in PERSONAL_VALUE_PATTERNS.values()) == personal


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


def test_a_failing_suite_reports_counts_and_its_data_docs_show_no_values(tmp_path):
    df = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-04-01", "2025-04-01"]),
            "form": ["apply-bus-pass", "jo.bloggs@example.com"],
            "forms_started": [3, 2],
            "forms_completed": [1, 5],  # more completed than started
            "completion_rate": [0.33, 2.5],  # a rate above 1
            "customer_email": [None, "x"],
        }
    )
    columns = [("form", "VARCHAR"), ("customer_email", "VARCHAR")]
    outcome = run_suite(
        "kpi_digital_monthly",
        df,
        extra=published_table_expectations(columns, previous_rows=10),
        docs=tmp_path,
    )
    assert not outcome.success and outcome.blocking
    failed = {f["expectation"] for f in outcome.failed}
    assert {
        "expect_table_row_count_to_be_between",  # 2 rows where the last release had 10
        "expect_column_values_to_be_between",  # completion_rate
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_values_to_not_match_regex_list",  # the email in `form`
        "expect_column_values_to_be_null",  # a column named like an identifier
    } <= failed
    assert docs_index(tmp_path).is_file() and outcome.docs_page.startswith("file://")
    written = "".join(
        p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.suffix in {".html", ".json"}
    )
    assert "kpi_digital_monthly" in written
    assert "jo.bloggs" not in written and "jo.bloggs" not in repr(outcome.failed)
