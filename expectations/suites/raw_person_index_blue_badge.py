"""raw.person_index_blue_badge: one record per person id in each snapshot, and no NHS numbers."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite
from ingestion.person_index import person_index


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return contract_suite(
        person_index("blue_badge"),
        e.ExpectColumnValuesToBeNull(column="nhs_number"),  # adult social care only
    )
