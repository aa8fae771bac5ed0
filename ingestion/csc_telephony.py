"""The contact-centre telephony platform's call detail records (sources.md section C)."""

from ingestion.contract import Column, FeedSpec

CDR = FeedSpec(
    table="csc_telephony_cdr",
    feed_path="csc/telephony",
    file_prefix="cdr_",
    extension=".jsonl",
    format="jsonl",
    cadence="daily",
    load="append",
    columns=(
        Column("call_id", "key", not_null=True),
        Column("direction", not_null=True, accepted=("inbound", "outbound")),
        Column("queue", not_null=True),
        Column("caller_number", personal=True),
        Column("offered_at", "utc_timestamp", not_null=True),
        Column("answered_at", "utc_timestamp"),
        Column("ended_at", "utc_timestamp", not_null=True, not_before="offered_at"),
        Column("agent_id", "key"),
        Column("talk_s", "integer", bounds=(0, None)),
        Column("hold_s", "integer", bounds=(0, None)),
        Column("wrap_s", "integer", bounds=(0, None)),
        Column("transferred_to"),
        Column("callback_requested", "boolean"),
    ),
    keys=("call_id",),
    description="One record per call, timestamps in UTC.",
)

FEEDS = (CDR,)
