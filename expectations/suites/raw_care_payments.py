"""raw.care_payments: payment lines unique over every file; periods forward, units and rates not negative."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, dates_between, not_negative
from ingestion.care import CARE_PAYMENTS


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        CARE_PAYMENTS,
        *dates_between("period_start", "period_end"),
        *not_negative("units", "unit_rate"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end", column_B="period_start", or_equal=True
        ),
    )
