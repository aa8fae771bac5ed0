"""bi.fct_spend: one row per expense line of vendor invoices (KR) and credit notes (KG)."""

from expectations.table_rules import DIRECTORATES, EXPENSE_TYPES, table_suite


def build():
    return table_suite(
        "fct_spend",
        columns=[
            "document_number",
            "line_item",
            "posting_date",
            "supplier_id",
            "directorate",
            "category",
            "amount_gbp",
        ],
        keys=["company_code", "document_number", "fiscal_year", "line_item"],
        not_null=["posting_date", "month", "amount_gbp", "category"],
        value_sets={
            "document_type": ["KR", "KG"],
            "directorate": DIRECTORATES,
            "category": EXPENSE_TYPES,
            "contract_status": ["on_contract", "off_contract", "non_contract"],
        },
    )
