"""The identity asset in Dagster: tables, checks and metadata (counts only), and the CLI's evaluation."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.identity import CHECKS, TABLES, customer_resolution
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.slow  # each test resolves a simulated world (about 10 s)


def _materialize(home: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [customer_resolution],
        resources={"warehouse": WarehouseResource(home=str(home))},
        instance=dg.DagsterInstance.ephemeral(),
    )


def test_the_asset_writes_its_tables_passes_its_checks_and_reports_only_counts(world: Path):
    _materialize(world)
    result = _materialize(world)  # a second night on the same inputs
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == set(CHECKS)
    assert all(e.passed for e in evaluations.values())
    assert evaluations["customer_size"].blocking and not evaluations["key_stability"].blocking
    materialized = {
        m.asset_key.path[1]: m.metadata
        for m in result.get_asset_materialization_events()
        for m in [m.event_specific_data.materialization]
    }
    assert set(materialized) == set(TABLES)
    metadata = materialized["customer_xref"]
    assert metadata["keys_changed"].value == 0 and metadata["records"].value > 2000
    values = [v.value for v in metadata.values()]
    assert all(isinstance(v, int | float) or v == [] for v in values)


def test_evaluate_identity_prints_the_metrics(world: Path):
    _materialize(world)
    env = {**os.environ, "INSIGHT_HUB_HOME": str(world)}
    cli = Path(sys.executable).parent / "insight-hub"
    done = subprocess.run(
        [cli, "evaluate-identity", "--json"], env=env, capture_output=True, text=True, check=True
    )
    metrics = json.loads(done.stdout)
    assert metrics["pairwise_precision"] >= 0.98 and metrics["pairwise_recall"] >= 0.95
    text = subprocess.run(
        [cli, "evaluate-identity"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "pairwise recall:" in text and "exact customers:" in text
