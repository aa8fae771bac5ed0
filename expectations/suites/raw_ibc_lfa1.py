"""raw.ibc_lfa1: vendors (a daily delta: every version kept); account group and change date present."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, dates_between
from ingestion.ibc_finance import LFA1


def build() -> gx.ExpectationSuite:
    return contract_suite(LFA1, *dates_between("AEDTM"))
