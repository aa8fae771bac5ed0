"""bi.data_quality_summary: one row per source file version and check; rows loaded never exceed rows in."""

from expectations.table_rules import E, table_suite


def build():
    return table_suite(
        "data_quality_summary",
        columns=["file_name", "check_name", "rows_in", "rows_loaded", "rows_quarantined", "status"],
        keys=["feed_path", "file_name", "file_version", "check_name", "detail"],
        nullable_keys=["detail"],
        not_null=["feed_path", "file_name", "file_version", "check_name", "status"],
        non_negative=["rows_in", "rows_loaded", "rows_quarantined"],
        value_sets={"status": ["passed", "warning", "rows_quarantined", "file_quarantined", "failed"]},
        extra=[
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="rows_in",
                column_B="rows_loaded",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        ],
    )
