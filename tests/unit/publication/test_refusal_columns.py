"""A refusal names the columns a failed check found wrong (from the dbt test or the GX findings),
never their values, so an engineer knows where to look without opening the check."""

import dagster as dg
import pytest

from orchestration.policy import failed_columns
from orchestration.warehouse import dbt_test_columns
from publication.gate import FAILED_COLUMNS_METADATA_KEY, ReleaseRefused, audit

FINGERPRINT = "v1:abc"


def check(name: str, passed: bool, columns: list[str] | None = None) -> dict:
    return {
        "asset": "bi/kpi_csc_monthly",
        "check": name,
        "blocking": True,
        "passed": passed,
        "fingerprint": FINGERPRINT,
        "failed_columns": columns or [],
        "run_id": "r1",
    }


def test_a_refusal_names_the_failed_checks_columns():
    checks = [
        check("between_kpi_csc_monthly_abandonment_rate", False, ["abandonment_rate"]),
        check("unique_combination_of_columns_kpi_csc_monthly_month__service", False, ["month", "service"]),
        check("expression_is_true_kpi_csc_monthly", False),
        check("not_null_kpi_csc_monthly_month", True),
    ]
    with pytest.raises(ReleaseRefused) as refused:
        audit({"kpi_csc_monthly": FINGERPRINT}, checks)
    text = str(refused.value)
    assert "between_kpi_csc_monthly_abandonment_rate: FAILED in column abandonment_rate (run r1)" in text
    assert "month__service: FAILED in columns month, service (run r1)" in text
    assert "expression_is_true_kpi_csc_monthly: FAILED (run r1)" in text  # a table-level test
    assert "not_null_kpi_csc_monthly_month" not in text
    assert len(refused.value.problems) == 3


MANIFEST = {
    "nodes": {
        "test.p.between_x": {"column_name": "abandonment_rate", "test_metadata": {"kwargs": {}}},
        "test.p.unique_combo": {
            "column_name": None,
            "test_metadata": {"kwargs": {"combination": ["month", "service"]}},
        },
        "test.p.reconciles": {
            "column_name": None,
            "test_metadata": {"kwargs": {"measure": "calls_offered", "to": "ref('fct_contacts')"}},
        },
        "test.p.quoted": {"column_name": '"Amount"', "test_metadata": {"kwargs": {}}},
        "test.p.singular": {"column_name": None},
    }
}


@pytest.mark.parametrize(
    ("unique_id", "expected"),
    [
        ("test.p.between_x", ["abandonment_rate"]),
        ("test.p.unique_combo", ["month", "service"]),
        ("test.p.reconciles", ["calls_offered"]),
        ("test.p.quoted", ["Amount"]),
        ("test.p.singular", []),
        ("test.p.not_in_manifest", []),
    ],
)
def test_the_columns_of_a_dbt_test_come_from_the_manifest(unique_id, expected):
    metadata = {"unique_id": dg.MetadataValue.text(unique_id)}
    assert dbt_test_columns(MANIFEST, metadata) == expected


def test_only_named_columns_become_metadata():
    assert failed_columns([]) == {}
    assert failed_columns(["a"])[FAILED_COLUMNS_METADATA_KEY].value == ["a"]
