"""raw.procurement_contracts_register: one row per contract in each snapshot, ends after it starts."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, dates_between, not_negative
from ingestion.procurement import CONTRACTS_REGISTER


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        CONTRACTS_REGISTER,
        *dates_between("start_date", "end_date", "review_date"),
        *not_negative("max_extension_months", "total_value_gbp", "annual_value_gbp"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_date", column_B="start_date", or_equal=True),
    )
