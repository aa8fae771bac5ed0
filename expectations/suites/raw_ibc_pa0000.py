"""raw.ibc_pa0000: personnel actions (a daily delta: every version kept, so no key is unique)."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, dates_between
from ingestion.ibc_hr import PA0000


def build() -> gx.ExpectationSuite:
    return contract_suite(PA0000, *dates_between("BEGDA", "AEDTM"))
