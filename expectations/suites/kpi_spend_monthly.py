"""bi.kpi_spend_monthly: one row per month, directorate and expense type; money never NULL.

pct_on_contract is a share of net spend, which credit notes can push outside [0, 1] (KPI dictionary).
"""

from expectations.table_rules import DIRECTORATES, EXPENSE_TYPES, table_suite

MONEY = [
    "spend_gbp",
    "on_contract_gbp",
    "off_contract_gbp",
    "non_contract_gbp",
    "sme_gbp",
    "vcse_gbp",
    "local_gbp",
]


def build():
    return table_suite(
        "kpi_spend_monthly",
        columns=["month", "directorate", "category", *MONEY, "pct_on_contract"],
        keys=["month", "directorate", "category"],
        not_null=MONEY,
        value_sets={"directorate": DIRECTORATES, "category": EXPENSE_TYPES},
    )
