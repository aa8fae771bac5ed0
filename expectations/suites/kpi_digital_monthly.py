"""bi.kpi_digital_monthly: one row per month and form; completed never more than started."""

from expectations.table_rules import E, table_suite


def build():
    return table_suite(
        "kpi_digital_monthly",
        columns=["month", "form", "forms_started", "forms_completed", "completion_rate"],
        keys=["month", "form"],
        not_null=["forms_started", "forms_completed"],
        rates=["completion_rate"],
        non_negative=["forms_started", "forms_completed"],
        extra=[
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="forms_started", column_B="forms_completed", or_equal=True
            )
        ],
    )
