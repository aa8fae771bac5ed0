"""bi.kpi_budget_monthly: one row per month and directorate; money never NULL."""

from expectations.table_rules import DIRECTORATES, table_suite

MONEY = ["budget_gbp", "actual_gbp", "variance_gbp", "budget_ytd_gbp", "actual_ytd_gbp", "variance_ytd_gbp"]


def build():
    return table_suite(
        "kpi_budget_monthly",
        columns=["month", "directorate", *MONEY],
        keys=["month", "directorate"],
        not_null=MONEY,
        value_sets={"directorate": DIRECTORATES},
    )
