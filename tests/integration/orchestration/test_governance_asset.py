"""The governance log in Dagster: the `ops/governance_log` asset shows actions per kind and the latest
entries as metadata, hashes and counts only."""

from __future__ import annotations

import dagster as dg
import duckdb

from identity import governance
from orchestration.governance import governance_log, retention, warehouse_compaction
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


def compaction(instance: dg.DagsterInstance, home) -> dict:
    result = dg.materialize(
        [warehouse_compaction],
        instance=instance,
        resources={"warehouse": WarehouseResource(home=str(home))},
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("governance__warehouse_compaction")
    return {k: v.value for k, v in materialization.metadata.items()}


def test_the_warehouse_is_compacted_once_per_removal_not_every_night(tmp_path):
    (tmp_path / "published").mkdir()
    with dg.instance_for_test() as instance:
        duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
        never = compaction(instance, tmp_path)  # nothing ever removed: nothing to rewrite
        assert "bytes_before" not in never and never["compacted_for_removal_at"] == "none"
        with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
            governance.record(con, "erase", None, {"raw.csc_crm_contacts": 1}, {"records": 1})
        first = compaction(instance, tmp_path)
        assert "bytes_before" in first  # a removal nobody compacted for yet: the file is rewritten
        second = compaction(instance, tmp_path)
        assert "bytes_before" not in second  # the same removal: nothing to rewrite
        assert second["compacted_for_removal_at"] == first["compacted_for_removal_at"]
        with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
            governance.record(con, "retention", None, {"raw.csc_crm_contacts": 2}, {"records": 2})
        assert "bytes_before" in compaction(instance, tmp_path)  # a new removal: compacted again


def test_retention_waits_for_the_warehouse_reporting_date(tmp_path):
    # No dbt build yet: no reporting date, so nothing can have been held past its period.
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    result = dg.materialize([retention], resources={"warehouse": WarehouseResource(home=str(tmp_path))})
    (materialization,) = result.asset_materializations_for_node("governance__retention")
    assert materialization.metadata["as_of"].value == "no reporting date yet"
    assert materialization.metadata["records_removed"].value == 0
