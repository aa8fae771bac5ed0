"""bi.dim_customer: one row per resolved resident, pseudonymous only: a keyed hash for a key, an age
band for an age, a district or postcode district for a place."""

from expectations.table_rules import POSTCODE_DISTRICT, E, table_suite

DISTRICTS = [
    "Cherwell",
    "Oxford",
    "South Oxfordshire",
    "Vale of White Horse",
    "West Oxfordshire",
    "Outside Oxfordshire",
    "Unknown",
]
AGE_BANDS = ["0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+", "Unknown"]


def build():
    return table_suite(
        "dim_customer",
        columns=[
            "customer_key",
            "district",
            "age_band",
            "services_used",
            "first_contact_at",
            "last_contact_at",
        ],
        keys=["customer_key"],
        not_null=["district", "age_band"],
        non_negative=["services_used_count", "source_records"],
        value_sets={"district": DISTRICTS, "age_band": AGE_BANDS},
        extra=[
            # HMAC-SHA256 in hex: nothing of the person shows through the key.
            E.ExpectColumnValuesToMatchRegex(column="customer_key", regex=r"^[0-9a-f]{64}$"),
            E.ExpectColumnValuesToMatchRegex(column="postcode_district", regex=POSTCODE_DISTRICT),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="last_contact_at", column_B="first_contact_at", or_equal=True
            ),
        ],
    )
