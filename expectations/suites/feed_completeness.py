"""Every daily feed delivered up to the release's reporting date: one row per feed and day, and no day
without a file (a refused file did arrive; its rejection report says what is wrong with it)."""

import great_expectations as gx


def build() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name="feed_completeness",
        expectations=[
            gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["table_name", "day"]),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="status", value_set=["loaded", "loaded_with_quarantine", "quarantined"]
            ),
        ],
    )
