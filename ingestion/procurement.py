"""The procurement system's contracts register (sources.md section B)."""

from ingestion.contract import Column, FeedSpec

YES_NO = ("Y", "N")

CONTRACTS_REGISTER = FeedSpec(
    table="procurement_contracts_register",
    feed_path="procurement/contracts",
    file_prefix="contracts_register_",
    extension=".csv",
    format="csv",
    cadence="monthly",
    load="snapshot",
    columns=(
        Column("contract_ref", "key", not_null=True),
        Column("title"),
        Column("supplier_name"),
        Column("lifnr", "key"),
        Column("company_number", "key"),
        Column("category"),
        Column("directorate", "key"),
        Column("start_date", "uk_date", not_null=True),
        Column("end_date", "uk_date", not_null=True, not_before="start_date"),
        Column("review_date", "uk_date"),
        Column("max_extension_months", "integer", bounds=(0, None)),
        Column("total_value_gbp", "decimal", bounds=(0, None)),
        Column("annual_value_gbp", "decimal", bounds=(0, None)),
        Column("sme", "key", accepted=YES_NO),
        Column("vcse", "key", accepted=YES_NO),
        Column("route", accepted=("Open", "Framework call-off", "Direct award", "Quotation")),
        Column("status", not_null=True, accepted=("Active", "Expired", "Terminated", "Failing")),
    ),
    keys=("contract_ref",),
    description="The contracts register: every contract with its supplier, dates and status.",
)

# The card provider's monthly statement (sources.md section B, added for the Transparency Code):
# the cardholder and the free text are personal data (docs/governance.md, Purchase cards).
CARD_TRANSACTIONS = FeedSpec(
    table="procurement_card_transactions",
    feed_path="procurement/cards",
    file_prefix="pcard_transactions_",
    extension=".csv",
    format="csv",
    cadence="monthly",
    load="append",
    date_format="YYYYMM",
    columns=(
        Column("transaction_id", "key", not_null=True),
        Column("transaction_date", "uk_date", not_null=True),
        Column("posting_date", "uk_date", not_null=True, not_before="transaction_date"),
        Column("cardholder_pernr", "key", personal=True),
        Column("kostl", "key", not_null=True),
        Column("merchant_name", not_null=True),
        Column("mcc", "key", not_null=True, pattern=r"\d{4}"),
        Column("mcc_description"),
        Column("amount_gbp", "decimal", not_null=True),  # signed: refunds negative
        Column("vat_gbp", "decimal"),
        Column("description", personal=True),
    ),
    keys=("transaction_id",),
    description="Purchase card transactions posted in the month, one statement file a month.",
)

FEEDS = (CONTRACTS_REGISTER, CARD_TRANSACTIONS)
