"""IBC finance extracts (SAP FI/CO from the shared service): the contracts of sources.md section A."""

from ingestion.contract import Column, FeedSpec

FEED_PATH = "ibc/finance"

CSKS = FeedSpec(
    table="ibc_csks",
    feed_path=FEED_PATH,
    file_prefix="CSKS_",
    extension=".txt",
    format="sap",
    cadence="monthly",
    load="snapshot",
    columns=(
        Column("KOSTL", "key", not_null=True),
        Column("DATAB", "sap_date", not_null=True),
        Column("DATBI", "sap_date", not_null=True),
        Column("KTEXT"),
        Column("ZDIRECT", "key", not_null=True),
        Column("ZSERVICE"),
        Column("VERAK", "key"),
    ),
    keys=("KOSTL", "DATAB"),
    description="Cost centres with their directorate and service area over time.",
)

FEEDS = (CSKS,)
