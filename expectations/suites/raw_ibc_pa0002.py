"""raw.ibc_pa0002: staff personal data; only PERNR (unique in each snapshot) and GESCH are examined."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite
from ingestion.ibc_hr import PA0002


def build() -> gx.ExpectationSuite:
    return contract_suite(PA0002)
