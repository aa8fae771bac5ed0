"""raw.ibc_pa0001: organisational assignments; (PERNR, BEGDA) unique in each snapshot, validity dates sane."""

import great_expectations as gx

from expectations.suites.raw_contract import HR_EARLIEST, OPEN_END, contract_suite, dates_between
from ingestion.ibc_hr import PA0001


def build() -> gx.ExpectationSuite:
    return contract_suite(
        PA0001,
        *dates_between("BEGDA", "AEDTM", earliest=HR_EARLIEST),
        *dates_between("ENDDA", earliest=HR_EARLIEST, latest=OPEN_END),
    )
