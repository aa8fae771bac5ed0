"""The programme office's benefits tracker workbook (sources.md section D)."""

from ingestion.contract import Column, FeedSpec

BENEFITS_TRACKER = FeedSpec(
    table="programme_benefits_tracker",
    feed_path="programme/benefits",
    file_prefix="benefits_tracker_",
    extension=".xlsx",
    format="xlsx",
    cadence="monthly",
    load="snapshot",
    columns=(
        Column("workstream", not_null=True),
        Column("financial_year", not_null=True, pattern=r"\d{4}/\d{2}"),
        Column("planned_gbp", "decimal", bounds=(0, None)),
        Column("forecast_gbp", "decimal"),
        Column("delivered_gbp", "decimal"),
        Column("rag_reported", accepted=("G", "A", "R")),
        Column("owner", personal=True),
    ),
    keys=("workstream", "financial_year"),
    description="Transformation savings by workstream and year, kept by hand in sheet `Benefits`.",
)

FEEDS = (BENEFITS_TRACKER,)
