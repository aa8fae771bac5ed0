"""The governance log in Dagster: the `ops/governance_log` asset shows actions per kind and the latest
entries as metadata, hashes and counts only."""

from __future__ import annotations

import dagster as dg
import duckdb

from identity import governance
from orchestration.governance import governance_log
from orchestration.resources import WarehouseResource

SALT = "governance-asset-test-salt"


def test_the_asset_shows_the_log_with_hashes_and_counts(tmp_path):
    subject = governance.subject_hash(SALT, "crm:C000123")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        governance.record(con, "subject_access", subject, {"raw.csc_crm_contacts": 3}, {"records": 2})
        governance.record(con, "erase", subject, {"raw.csc_crm_contacts": 3}, {"records": 2})
        governance.record(con, "erase", None, {}, {"records": 0})
    result = dg.materialize([governance_log], resources={"warehouse": WarehouseResource(home=str(tmp_path))})
    assert result.success
    (materialization,) = result.asset_materializations_for_node("ops__governance_log")
    metadata = materialization.metadata
    assert metadata["erase_actions"].value == 2
    assert metadata["subject_access_actions"].value == 1
    assert metadata["retention_actions"].value == 0
    latest = metadata["latest"].value
    assert subject[:16] in latest and "C000123" not in latest
    assert latest.count("| erase |") == 2


def test_an_empty_log_says_so(tmp_path):
    result = dg.materialize([governance_log], resources={"warehouse": WarehouseResource(home=str(tmp_path))})
    (materialization,) = result.asset_materializations_for_node("ops__governance_log")
    assert materialization.metadata["last_action_at"].value == "none"
