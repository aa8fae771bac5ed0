"""bi.kpi_csc_monthly: one row per month and service; counts non-negative and consistent, rates in [0, 1]."""

from expectations.table_rules import E, table_suite

COUNTS = [
    "contacts",
    "contacts_phone",
    "contacts_email",
    "contacts_webchat",
    "contacts_web_form",
    "contacts_face_to_face",
    "contacts_other",
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
]
RATES = [
    "digital_share",
    "abandonment_rate",
    "service_level_20s",
    "first_contact_resolution_rate",
    "avoidable_contact_rate",
    "repeat_contact_rate_7d",
]


def build():
    return table_suite(
        "kpi_csc_monthly",
        columns=[
            "month",
            "service",
            *COUNTS,
            *RATES,
            "avg_speed_of_answer_s",
            "avg_handling_time_s",
            "cost_to_serve_gbp",
            "satisfaction_avg",
        ],
        keys=["month", "service"],
        not_null=[*COUNTS, "cost_to_serve_gbp"],
        rates=RATES,
        non_negative=[*COUNTS, "avg_speed_of_answer_s", "avg_handling_time_s", "cost_to_serve_gbp"],
        extra=[
            E.ExpectColumnValuesToBeBetween(column="satisfaction_avg", min_value=1, max_value=5),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="calls_offered", column_B="calls_answered", or_equal=True
            ),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="calls_offered", column_B="calls_abandoned", or_equal=True
            ),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="contacts", column_B="contacts_phone", or_equal=True
            ),
        ],
    )
