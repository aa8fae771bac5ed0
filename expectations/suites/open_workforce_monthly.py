"""bi.open_workforce_monthly: one row per month and directorate (open audience, suppressed)."""

from expectations.table_rules import table_suite


def build():
    return table_suite(
        "open_workforce_monthly",
        columns=["month", "directorate", "headcount", "starters", "leavers", "leaver_rate"],
        keys=["month", "directorate"],
        rates=["leaver_rate"],
        non_negative=["headcount", "starters", "leavers"],
    )
