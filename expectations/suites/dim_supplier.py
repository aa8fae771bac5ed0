"""bi.dim_supplier: one row per supplier; individuals are `Redacted personal data` with nothing that
locates them; geography is the postcode district only."""

from expectations.table_rules import POSTCODE_DISTRICT, E, table_suite

REDACTED = "Redacted personal data"
INDIVIDUALS = "is_individual == True"


def build():
    return table_suite(
        "dim_supplier",
        columns=["supplier_id", "supplier_name", "is_sme", "is_vcse", "is_local"],
        keys=["supplier_id"],
        value_sets={"account_group": ["TRAD", "INDV", "PUBL", "VCSE"]},
        extra=[
            E.ExpectColumnValuesToBeInSet(
                column="supplier_name",
                value_set=[REDACTED],
                row_condition=INDIVIDUALS,
                condition_parser="pandas",
            ),
            *(
                E.ExpectColumnValuesToBeNull(
                    column=column, row_condition=INDIVIDUALS, condition_parser="pandas"
                )
                for column in ("town", "vat_number", "company_number")
            ),
            E.ExpectColumnValuesToMatchRegex(column="postcode_district", regex=POSTCODE_DISTRICT),
        ],
    )
