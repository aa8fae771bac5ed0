"""bi.fct_contacts: one row per CRM contact and per call; residents only as customer_key, places
only as postcode district."""

from expectations.table_rules import CHANNELS, POSTCODE_DISTRICT, E, table_suite


def build():
    return table_suite(
        "fct_contacts",
        columns=["contact_key", "customer_key", "channel", "service", "month"],
        keys=["contact_key"],
        not_null=["source_system", "month"],
        non_negative=["wait_s", "handling_time_s"],
        value_sets={
            "source_system": ["crm", "telephony"],
            "channel": CHANNELS,
            "demand_type": ["value", "failure"],
        },
        extra=[
            E.ExpectColumnValuesToBeBetween(column="satisfaction", min_value=1, max_value=5),
            E.ExpectColumnValuesToMatchRegex(column="postcode_district", regex=POSTCODE_DISTRICT),
        ],
    )
