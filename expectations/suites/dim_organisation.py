"""bi.dim_organisation: one row per cost centre and validity period, valid_to never before valid_from."""

from expectations.table_rules import DIRECTORATES, E, table_suite


def build():
    return table_suite(
        "dim_organisation",
        columns=["cost_centre", "service_area", "directorate", "valid_from", "valid_to"],
        keys=["cost_centre", "valid_from"],
        not_null=["directorate", "valid_to"],
        value_sets={"directorate": DIRECTORATES},
        extra=[
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="valid_to", column_B="valid_from", or_equal=True
            )
        ],
    )
