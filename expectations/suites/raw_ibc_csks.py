"""raw.ibc_csks: cost centres; (KOSTL, DATAB) unique in each snapshot, valid-to not before valid-from."""

import great_expectations as gx

from expectations.suites.raw_contract import HR_EARLIEST, OPEN_END, contract_suite, dates_between
from ingestion.ibc_finance import CSKS


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        CSKS,
        *dates_between("DATAB", earliest=HR_EARLIEST),
        *dates_between("DATBI", earliest=HR_EARLIEST, latest=OPEN_END),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="DATBI", column_B="DATAB", or_equal=True),
    )
