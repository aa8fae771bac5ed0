"""raw.csc_crm_contacts: one record per contact over every file; listed channels and outcomes."""

import great_expectations as gx

from expectations.suites.raw_contract import contract_suite, timestamps_between
from ingestion.csc_crm import CONTACTS


def build() -> gx.ExpectationSuite:
    return contract_suite(CONTACTS, *timestamps_between("created_at"))
