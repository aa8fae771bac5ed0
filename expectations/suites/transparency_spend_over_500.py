"""bi.transparency_spend_over_500: the public spend file's rows. No individual named or identified,
a generic purpose, no salaries, the code's fixed values."""

from expectations.table_rules import E, table_suite

REDACTED = "Redacted personal data"
PURPOSES = [
    "Agency and temporary staff",
    "Premises costs",
    "Transport costs",
    "Supplies and services",
    "Care placements and commissioned services",
    "Payments to individuals (direct payments and allowances)",
    "Other expenditure",
]


def build():
    return table_suite(
        "transparency_spend_over_500",
        columns=[
            "body_name",
            "transaction_date",
            "transaction_number",
            "supplier_name",
            "supplier_id",
            "net_amount",
            "irrecoverable_vat",
            "department",
            "service_area",
            "expense_type",
            "procurement_category",
            "purpose",
            "card_transaction",
        ],
        keys=["company_code", "transaction_number", "fiscal_year", "expense_type"],
        not_null=["transaction_date", "supplier_name", "net_amount", "purpose"],
        value_sets={
            "body_name": ["Oxfordshire County Council"],
            "purpose": PURPOSES,
            "card_transaction": ["N"],
            "irrecoverable_vat": [0],
        },
        extra=[
            E.ExpectColumnValuesToNotBeInSet(column="expense_type", value_set=["Employees"]),
            E.ExpectColumnValuesToBeNull(
                column="supplier_id",
                row_condition=f'supplier_name == "{REDACTED}"',
                condition_parser="pandas",
            ),
        ],
    )
