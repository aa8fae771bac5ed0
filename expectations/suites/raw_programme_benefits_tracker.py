"""raw.programme_benefits_tracker: one row per workstream and financial year in each workbook."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, not_negative
from ingestion.programme import BENEFITS_TRACKER


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        BENEFITS_TRACKER,
        e.ExpectColumnValuesToMatchRegex(column="financial_year", regex=r"^\d{4}/\d{2}$"),
        *not_negative("planned_gbp"),
    )
