"""raw.ibc_pa2001: absences (a daily delta); days and hours not negative, an absence ends after it starts."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, dates_between, not_negative
from ingestion.ibc_hr import PA2001


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        PA2001,
        *not_negative("ABWTG", "STDAZ"),
        *dates_between("BEGDA", "ENDDA", "AEDTM"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="ENDDA", column_B="BEGDA", or_equal=True),
    )
