"""bi.open_csc_monthly: one row per month and service (open audience, suppressed)."""

from expectations.table_rules import table_suite


def build():
    return table_suite(
        "open_csc_monthly",
        columns=[
            "month",
            "service",
            "contacts",
            "contacts_digital",
            "calls_offered",
            "calls_abandoned",
            "digital_share",
            "abandonment_rate",
        ],
        keys=["month", "service"],
        rates=["digital_share", "abandonment_rate"],
        non_negative=["contacts", "contacts_digital", "calls_offered", "calls_abandoned"],
    )
