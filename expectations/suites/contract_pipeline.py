"""bi.contract_pipeline: one row per contract of the latest register."""

from expectations.table_rules import table_suite


def build():
    return table_suite(
        "contract_pipeline",
        columns=[
            "contract_ref",
            "supplier_name",
            "directorate",
            "procurement_category",
            "end_date",
            "months_to_expiry",
            "has_successor",
            "expiring_without_successor",
        ],
        keys=["contract_ref"],
        not_null=["end_date", "months_to_expiry", "has_successor", "expiring_without_successor"],
    )
