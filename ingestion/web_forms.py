"""The e-forms platform's submissions (sources.md section C)."""

from ingestion.contract import Column, FeedSpec

EFORMS = FeedSpec(
    table="web_eforms",
    feed_path="web/forms",
    file_prefix="eforms_",
    extension=".jsonl",
    format="jsonl",
    cadence="daily",
    load="append",
    columns=(
        Column("submission_id", "key", not_null=True),
        Column("form", not_null=True),
        Column("started_at", "utc_timestamp", not_null=True),
        Column("submitted_at", "utc_timestamp", not_before="started_at"),
        Column("account_id", "key"),
        Column("email", personal=True),
        Column("first_name", personal=True),
        Column("last_name", personal=True),
        Column("dob", "iso_date", personal=True),
        Column("postcode", personal=True),
        Column("uprn", "key", personal=True),
        # Free-form answers: may hold anything a resident typed.
        Column("payload", "json", personal=True),
    ),
    keys=("submission_id",),
    description="One record per e-form started, submitted_at null when abandoned; timestamps UTC.",
)

FEEDS = (EFORMS,)
