"""bi.kpi_workforce_monthly: one row per month and directorate; counts non-negative, rates in [0, 1]."""

from expectations.table_rules import DIRECTORATES, E, table_suite


def build():
    return table_suite(
        "kpi_workforce_monthly",
        columns=[
            "month",
            "directorate",
            "headcount",
            "fte",
            "sickness_days",
            "sickness_days_per_fte_12m",
            "pct_hours_lost_sickness",
            "starters",
            "leavers",
            "turnover_rate_12m",
            "vacancy_rate",
            "agency_spend_gbp",
        ],
        keys=["month", "directorate"],
        not_null=["headcount", "fte", "sickness_days", "starters", "leavers", "agency_spend_gbp"],
        rates=["pct_hours_lost_sickness", "turnover_rate_12m", "vacancy_rate"],
        non_negative=[
            "headcount",
            "fte",
            "sickness_days",
            "sickness_days_per_fte_12m",
            "starters",
            "leavers",
        ],
        value_sets={"directorate": DIRECTORATES},
        extra=[
            E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="headcount", column_B="fte", or_equal=True)
        ],
    )
