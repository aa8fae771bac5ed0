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

FEEDS = (CONTRACTS_REGISTER,)
