"""bi.open_digital_monthly: one row per month and form (open audience, suppressed)."""

from expectations.table_rules import table_suite


def build():
    return table_suite(
        "open_digital_monthly",
        columns=["month", "form", "forms_started", "forms_completed", "completion_rate"],
        keys=["month", "form"],
        rates=["completion_rate"],
        non_negative=["forms_started", "forms_completed"],
    )
