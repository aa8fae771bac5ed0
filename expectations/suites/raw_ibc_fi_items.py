"""raw.ibc_fi_items: document lines; the line key BUKRS+BELNR+GJAHR+BUZEI is unique over every file
(postings never change, a corrected re-send replaces its file), amounts unsigned, GL accounts six digits."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, dates_between
from ingestion.ibc_finance import FI_ITEMS


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        FI_ITEMS,
        e.ExpectColumnValuesToMatchRegex(column="HKONT", regex=r"^\d{6}$"),
        e.ExpectColumnValuesToMatchRegex(column="GJAHR", regex=r"^\d{4}$"),
        *dates_between("BLDAT", "BUDAT", "CPUDT"),
    )
