"""raw.csc_telephony_cdr: one record per call over every file; durations not negative, ends after offered."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, not_negative, timestamps_between
from ingestion.csc_telephony import CDR


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        CDR,
        *timestamps_between("offered_at", "answered_at", "ended_at"),
        *not_negative("talk_s", "hold_s", "wrap_s"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="ended_at", column_B="offered_at", or_equal=True),
    )
