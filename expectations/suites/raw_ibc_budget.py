"""raw.ibc_budget: lines unique per version, cost centre, account and period in each issue; PERIO 1-12."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite
from ingestion.ibc_finance import BUDGET


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        BUDGET,
        e.ExpectColumnValuesToBeBetween(column="PERIO", min_value=1, max_value=12),
        e.ExpectColumnValuesToMatchRegex(column="VERSN", regex=r"^(?:ORIG|REV\d+)$"),
    )
