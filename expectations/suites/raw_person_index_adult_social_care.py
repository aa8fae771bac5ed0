"""raw.person_index_adult_social_care: one record per person id in each snapshot."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite
from ingestion.person_index import person_index


def build() -> gx.ExpectationSuite:
    return contract_suite(person_index("adult_social_care"))
