"""The rows erasures and retention removed since a release: what the gate's row-count rule allows on
top of its own limit (docs/publication.md, No sudden drop)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import duckdb

from identity import governance


def test_only_removals_logged_after_the_release_count_and_a_warehouse_without_a_log_removed_nothing():
    con = duckdb.connect()
    assert governance.rows_removed_since(con, datetime.now(UTC)) == {}
    governance.record(con, "erase", "h1", {"bi.fct_contacts": 5, "raw.csc_crm_contacts": 2}, {})
    time.sleep(0.01)
    release_built = datetime.now(UTC)  # an aware moment, as a manifest's created_at reads
    time.sleep(0.01)
    governance.record(con, "retention", None, {"bi.fct_contacts": 600, "bi.customer_360": 40}, {})
    governance.record(con, "subject_access", "h2", {"bi.fct_contacts": 7}, {})  # found, not removed
    governance.record(con, "erase", "h3", {"bi.fct_contacts": 3}, {})
    assert governance.rows_removed_since(con, release_built) == {
        "bi.fct_contacts": 603,
        "bi.customer_360": 40,
    }
