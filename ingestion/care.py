"""The care finance system's provider payments (sources.md section B)."""

from ingestion.contract import Column, FeedSpec

SERVICE_TYPES = (
    "Residential",
    "Nursing",
    "Home Care",
    "Supported Living",
    "Direct Payment",
    "Children's Residential",
    "Independent Fostering Agency",
    "In-house Fostering",
)

CARE_PAYMENTS = FeedSpec(
    table="care_payments",
    feed_path="care/payments",
    file_prefix="care_payments_",
    extension=".csv",
    format="csv",
    cadence="weekly",
    load="append",
    columns=(
        Column("payment_line_id", "key", not_null=True),
        Column("provider_ref", "key"),
        # A provider can be an individual (foster carer, direct payment recipient).
        Column("provider_name", personal=True),
        Column("lifnr", "key"),
        Column("client_ref", "key", personal=True),
        Column("service_type", not_null=True, accepted=SERVICE_TYPES),
        Column("directorate", "key", not_null=True, accepted=("ADULTS", "CHILDRENS")),
        Column("period_start", "iso_date", not_null=True),
        Column("period_end", "iso_date", not_null=True, not_before="period_start"),
        Column("units", "decimal", bounds=(0, None)),
        Column("unit", accepted=("week", "hour", "night")),
        Column("unit_rate", "decimal", bounds=(0, None)),
        Column("amount_gbp", "decimal", not_null=True),
        Column("bdu_batch_id", "key", not_null=True),
    ),
    keys=("payment_line_id",),
    description="Care provider payment lines, each in a Bulk Data Upload batch bound for SAP.",
)

FEEDS = (CARE_PAYMENTS,)
