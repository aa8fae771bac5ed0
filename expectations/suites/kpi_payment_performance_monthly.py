"""bi.kpi_payment_performance_monthly: one row per month and directorate; the three bands are rates."""

from expectations.table_rules import DIRECTORATES, table_suite

BANDS = ["pct_paid_within_30_days", "pct_paid_31_60_days", "pct_paid_61_plus_days"]


def build():
    return table_suite(
        "kpi_payment_performance_monthly",
        columns=["month", "directorate", "invoices_paid", "avg_days_to_pay", *BANDS],
        keys=["month", "directorate"],
        not_null=["invoices_paid"],
        rates=BANDS,
        non_negative=["invoices_paid"],
        value_sets={"directorate": DIRECTORATES},
    )
