"""The feed assets with their checks materialise in Dagster (landing sensor: tests/integration/operations)."""

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.ingestion import FEED_ASSETS, RAW_GX_CHECKS, days_to_run, range_tags
from orchestration.resources import WarehouseResource
from simulator import simulate

pytestmark = pytest.mark.slow


def test_feed_assets_load_every_feed_and_their_checks_pass(tmp_path: Path):
    simulate(tmp_path, scale=0.01, start=date(2025, 4, 1), days=8, seed=3, defects=0.0)
    bad = tmp_path / "landing" / "csc" / "telephony" / "cdr_20250410.jsonl"
    bad.write_bytes(b"")  # a quarantined file alone never fails the run
    result = dg.materialize(
        [*FEED_ASSETS, *RAW_GX_CHECKS],
        resources={"warehouse": WarehouseResource(home=str(tmp_path))},
        instance=dg.DagsterInstance.ephemeral(),
        tags=range_tags(days_to_run(tmp_path)),
    )
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    by_name = {(e.asset_key.path[1], e.check_name): e for e in evaluations}
    assert len(by_name) == 2 * len(FEED_ASSETS)
    assert [k for k, e in by_name.items() if not e.passed] == []
    cdr = result.asset_materializations_for_node("raw__csc_telephony_cdr")[0].metadata
    assert cdr["files_quarantined"].value == 1
    assert cdr["quarantined_files"].value == [{"file": "cdr_20250410.jsonl", "check": "empty_file"}]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    tables = con.execute("select count(*) from duckdb_tables() where schema_name = 'raw'").fetchone()[0]
    con.close()
    assert tables == len(FEED_ASSETS)


def test_a_broken_contract_invariant_fails_the_blocking_suite(tmp_path: Path):
    simulate(tmp_path, scale=0.01, start=date(2025, 4, 1), days=3, seed=3, defects=0.0)
    resources = {"warehouse": WarehouseResource(home=str(tmp_path))}
    fi_items = next(a for a in FEED_ASSETS if a.key.path[1] == "ibc_fi_items")
    fi_check = next(c for c in RAW_GX_CHECKS if next(iter(c.check_keys)).asset_key == fi_items.key)
    days = range_tags(days_to_run(tmp_path))
    dg.materialize([fi_items], resources=resources, instance=dg.DagsterInstance.ephemeral(), tags=days)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:  # the same posting twice
        con.execute("insert into raw.ibc_fi_items select * from raw.ibc_fi_items limit 1")
    result = dg.materialize(
        [fi_items, fi_check],
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
        selection=dg.AssetSelection.checks(fi_check),
        raise_on_error=False,
        tags=days,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert (evaluation.check_name, evaluation.passed, evaluation.blocking) == (
        "gx_raw_ibc_fi_items",
        False,
        True,
    )
