"""raw.ibc_positions: funded positions; (PLANS, BEGDA) unique in each snapshot, FTE between 0 and 1."""

import great_expectations as gx

from expectations.suites.raw_contract import HR_EARLIEST, OPEN_END, contract_suite, dates_between
from ingestion.ibc_hr import POSITIONS


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        POSITIONS,
        e.ExpectColumnValuesToBeBetween(column="FTE", min_value=0, max_value=1),
        *dates_between("BEGDA", earliest=HR_EARLIEST),
        *dates_between("ENDDA", earliest=HR_EARLIEST, latest=OPEN_END),
    )
