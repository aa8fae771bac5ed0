"""Every defect kind the simulator can inject has a unit test here that asserts ingestion's exact outcome.

When the simulator learns a new kind, this test fails until the kind is given its proof (or is
declared as judged downstream of ingestion).
"""

import importlib

from simulator import DEFECT_KINDS

# Kind -> (test module, test) proving the outcome on a hand-written file.
PROOFS = {
    "missing_trailer": ("test_sap_extract", "test_file_level_defects_quarantine_the_file_with_a_report"),
    "wrong_trailer": ("test_sap_extract", "test_wrong_control_total_quarantines_the_file"),
    "truncated_last_line": ("test_sap_extract", "test_file_level_defects_quarantine_the_file_with_a_report"),
    "duplicated_lines": (
        "test_sap_extract",
        "test_duplicated_line_is_quarantined_and_extra_column_is_reported",
    ),
    "resent_with_corrections": (
        "test_landing",
        "test_a_resend_is_a_new_version_and_the_old_copy_is_kept_aside",
    ),
    "extra_column": ("test_sap_extract", "test_extra_column_alone_loads_with_a_warning"),
    "renamed_column": ("test_sap_extract", "test_renamed_column_report_names_the_likely_rename"),
    "zero_date": ("test_sap_extract", "test_zero_date_in_a_required_field_quarantines_only_that_row"),
    "trailing_minus": (
        "test_sap_extract",
        "test_signed_amount_quarantines_its_row_and_the_total_still_matches",
    ),
    "bad_encoding": ("test_sap_extract", "test_bytes_undefined_in_windows_1252_quarantine_the_file"),
    "late_file": ("test_landing", "test_a_late_file_loads_with_a_warning"),
    "csv_title_row": ("test_csv_file", "test_title_row_above_the_header_quarantines_the_file"),
    "csv_renamed_column": ("test_csv_file", "test_renamed_column_quarantines_the_file"),
    "malformed_json": ("test_jsonl_file", "test_malformed_line_is_a_refused_row_with_its_line_number"),
    "empty_file": ("test_jsonl_file", "test_zero_bytes_is_an_empty_file_but_a_line_break_is_a_quiet_day"),
    "duplicate_file_new_name": (
        "test_landing",
        "test_a_copy_of_a_delta_file_under_a_new_name_is_a_duplicate",
    ),
}
# Care batches missing from SAP or short there are found by reconciling two clean feeds in dbt
# (care_bdu_reconciliation), not by ingestion: both files load as they are.
JUDGED_DOWNSTREAM = {"bdu_missing", "bdu_short"}


def test_every_simulator_defect_kind_has_a_proof():
    assert set(DEFECT_KINDS) == set(PROOFS) | JUDGED_DOWNSTREAM


def test_every_proof_exists():
    missing = [
        f"{module}::{name}"
        for module, name in PROOFS.values()
        if not callable(getattr(importlib.import_module(module), name, None))
    ]
    assert missing == []
