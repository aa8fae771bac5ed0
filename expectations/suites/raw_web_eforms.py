"""raw.web_eforms: one record per submission over every file; submitted after started."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, timestamps_between
from ingestion.web_forms import EFORMS


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        EFORMS,
        *timestamps_between("started_at", "submitted_at"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="submitted_at",
            column_B="started_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    )
