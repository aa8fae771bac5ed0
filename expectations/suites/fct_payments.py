"""bi.fct_payments: one row per paid vendor invoice, with days to pay in a Procurement Act band."""

from expectations.table_rules import DIRECTORATES, table_suite


def build():
    return table_suite(
        "fct_payments",
        columns=["document_number", "supplier_id", "payment_date", "days_to_pay", "month"],
        keys=["company_code", "document_number", "fiscal_year"],
        not_null=["payment_date", "days_to_pay", "month"],
        value_sets={"payment_band": ["0-30", "31-60", "61+"], "directorate": DIRECTORATES},
    )
