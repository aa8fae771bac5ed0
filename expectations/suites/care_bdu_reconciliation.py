"""bi.care_bdu_reconciliation: one row per BDU batch with one of the three statuses."""

from expectations.table_rules import table_suite


def build():
    return table_suite(
        "care_bdu_reconciliation",
        columns=["bdu_batch_id", "care_total_gbp", "sap_total_gbp", "difference_gbp", "status"],
        keys=["bdu_batch_id"],
        not_null=["care_total_gbp", "status"],
        value_sets={"status": ["matched", "missing_in_sap", "amount_mismatch"]},
    )
