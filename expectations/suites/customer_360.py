"""bi.customer_360: one row per customer_key; counts non-negative, channels within the total."""

from expectations.table_rules import E, table_suite

COUNTS = [
    "contacts",
    "contacts_phone",
    "contacts_email",
    "contacts_webchat",
    "contacts_web_form",
    "contacts_face_to_face",
    "contacts_social_media",
    "contacts_letter",
    "cases_raised",
    "open_cases",
    "repeat_contacts_7d",
]


def build():
    return table_suite(
        "customer_360",
        columns=[
            "customer_key",
            "contacts",
            "services_used",
            "open_cases",
            "repeat_contacts_7d",
            "last_contact_at",
        ],
        keys=["customer_key"],
        not_null=COUNTS,
        non_negative=COUNTS,
        extra=[
            E.ExpectColumnValuesToMatchRegex(column="customer_key", regex=r"^[0-9a-f]{64}$"),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="contacts", column_B="repeat_contacts_7d", or_equal=True
            ),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="cases_raised", column_B="open_cases", or_equal=True
            ),
        ],
    )
