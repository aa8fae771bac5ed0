"""Service systems' person indexes, for the single customer view (sources.md section E)."""

from ingestion.contract import Column, FeedSpec

SYSTEMS = ("adult_social_care", "blue_badge", "libraries", "school_admissions")


def person_index(system: str) -> FeedSpec:
    """One feed (and raw table) per system; only adult social care fills in NHS numbers."""
    columns = [
        Column("source_person_id", "key", not_null=True),
        Column("first_name", personal=True),
        Column("middle_name", personal=True),
        Column("last_name", personal=True),
        Column("dob", "iso_date", personal=True),
        Column("gender", personal=True),
        Column("address_line1", personal=True),
        Column("postcode", personal=True),
        Column("uprn", "key", personal=True),
        Column("email", personal=True),
        Column("phone", personal=True),
    ]
    # The contract lists nhs_number among the columns, "adult_social_care only": the other systems
    # may send it (blank) or leave it out, so it is optional there and must be empty.
    asc = system == "adult_social_care"
    columns.insert(9, Column("nhs_number", "key", required=asc, personal=True, empty=not asc))
    return FeedSpec(
        table=f"person_index_{system}",
        feed_path="services/person_index",
        file_prefix=f"{system}_",
        extension=".csv",
        format="csv",
        cadence="monthly",
        load="snapshot",
        columns=tuple(columns),
        keys=("source_person_id",),
        description=f"The {system.replace('_', ' ')} system's person index (full snapshot).",
    )


FEEDS = tuple(person_index(system) for system in SYSTEMS)
