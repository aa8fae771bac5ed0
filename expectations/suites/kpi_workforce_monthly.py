"""bi.kpi_workforce_monthly: keys present and unique per month and directorate, counts sane."""

import great_expectations as gx

DIRECTORATES = ["ADULTS", "CHILDRENS", "PUBHEALTH", "ENVPLACE", "FIRE", "RESOURCES", "CUSTCULT"]


def build() -> gx.ExpectationSuite:
    e = gx.expectations
    return gx.ExpectationSuite(
        name="kpi_workforce_monthly",
        expectations=[
            e.ExpectTableRowCountToBeBetween(min_value=1),
            e.ExpectColumnValuesToNotBeNull(column="month"),
            e.ExpectColumnValuesToNotBeNull(column="directorate"),
            e.ExpectColumnValuesToBeInSet(column="directorate", value_set=DIRECTORATES),
            e.ExpectCompoundColumnsToBeUnique(column_list=["month", "directorate"]),
            e.ExpectColumnValuesToNotBeNull(column="headcount"),
            e.ExpectColumnValuesToBeBetween(column="headcount", min_value=0),
        ],
    )
