"""The CRM's customer contact log (sources.md section C)."""

from ingestion.contract import Column, FeedSpec

CHANNELS = ("Phone", "Email", "Webchat", "Web form", "Face to face", "Social media", "Letter")
OUTCOMES = (
    "Resolved at first contact",
    "Signposted",
    "Referred to service",
    "Safeguarding referral",
    "Incomplete",
)

CONTACTS = FeedSpec(
    table="csc_crm_contacts",
    feed_path="csc/crm",
    file_prefix="contacts_",
    extension=".csv",
    format="csv",
    cadence="daily",
    load="append",
    columns=(
        Column("contact_id", "key", not_null=True),
        Column("created_at", "local_timestamp", not_null=True),
        Column("channel", not_null=True, accepted=CHANNELS),
        Column("call_id", "key"),
        Column("service", not_null=True),
        Column("reason"),
        Column("outcome", accepted=OUTCOMES),
        Column("case_ref", "key"),
        Column("customer_title", personal=True),
        Column("customer_first_name", personal=True),
        Column("customer_last_name", personal=True),
        Column("customer_dob", "uk_date", personal=True),
        Column("customer_email", personal=True),
        Column("customer_phone", personal=True),
        Column("address_line1", personal=True),
        Column("postcode", personal=True),
        Column("uprn", "key", personal=True),
        Column("agent_id", "key"),
        Column("satisfaction", "integer", accepted=("1", "2", "3", "4", "5")),
    ),
    keys=("contact_id",),
    description="One record per customer contact, created_at in Europe/London wall time.",
)

FEEDS = (CONTACTS,)
