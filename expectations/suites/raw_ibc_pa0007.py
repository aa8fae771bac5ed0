"""raw.ibc_pa0007: contracted weekly hours between 0 and 48 (the Working Time Regulations' average)."""

import great_expectations as gx

from expectations.suites.raw_contract import HR_EARLIEST, OPEN_END, contract_suite, dates_between
from ingestion.ibc_hr import PA0007


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        PA0007,
        e.ExpectColumnValuesToBeBetween(column="WOSTD", min_value=0, max_value=48),
        *dates_between("BEGDA", "AEDTM", earliest=HR_EARLIEST),
        *dates_between("ENDDA", earliest=HR_EARLIEST, latest=OPEN_END),
    )
