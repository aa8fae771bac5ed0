"""raw.ibc_payments: unique per BUKRS+VBLNR+BELNR+GJAHR over every file; paid on or after the run."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, dates_between
from ingestion.ibc_finance import PAYMENTS


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        PAYMENTS,
        *dates_between("LAUFD", "ZALDT"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="ZALDT", column_B="LAUFD", or_equal=True),
    )
