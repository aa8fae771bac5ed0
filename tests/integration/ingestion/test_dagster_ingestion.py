"""The feed assets with their checks materialise in Dagster, and the landing sensor asks for runs sensibly."""

import os
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.ingestion_assets import FEED_ASSETS, RAW_GX_CHECKS
from orchestration.resources import WarehouseResource
from orchestration.sensors import JOB, landing_sensor
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
    dg.materialize([fi_items], resources=resources, instance=dg.DagsterInstance.ephemeral())
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:  # the same posting twice
        con.execute("insert into raw.ibc_fi_items select * from raw.ibc_fi_items limit 1")
    result = dg.materialize(
        [fi_items, fi_check],
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
        selection=dg.AssetSelection.checks(fi_check),
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert (evaluation.check_name, evaluation.passed, evaluation.blocking) == (
        "gx_raw_ibc_fi_items",
        False,
        True,
    )


def _evaluate(instance: dg.DagsterInstance, home: Path):
    context = dg.build_sensor_context(
        instance=instance, resources={"warehouse": WarehouseResource(home=str(home))}
    )
    return landing_sensor(context)


def _land(folder: Path, name: str, minutes_ago: float) -> None:
    path = folder / name
    path.write_text("PERNR|BEGDA|MASSN|MASSG|AEDTM\r\nTRL|0|0\r\n")
    stamp = time.time() - minutes_ago * 60
    os.utime(path, (stamp, stamp))


def test_landing_sensor_requests_one_run_per_delivery(tmp_path: Path):
    instance = dg.DagsterInstance.ephemeral()
    assert isinstance(_evaluate(instance, tmp_path), dg.SkipReason)
    folder = tmp_path / "landing" / "ibc" / "hr"
    folder.mkdir(parents=True)
    (folder / "PA0000_20250401.txt.part").write_text("being written")
    assert isinstance(_evaluate(instance, tmp_path), dg.SkipReason)

    _land(folder, "PA0000_20250401.txt", minutes_ago=1)  # the delivery may not be over yet
    waiting = _evaluate(instance, tmp_path)
    assert isinstance(waiting, dg.SkipReason) and "waiting" in waiting.skip_message
    _land(folder, "PA0000_20250401.txt", minutes_ago=10)
    first = _evaluate(instance, tmp_path)
    assert isinstance(first, dg.RunRequest) and first.run_key.startswith("landing-")
    assert _evaluate(instance, tmp_path).run_key == first.run_key  # same files: Dagster drops the repeat
    _land(folder, "PA0000_20250402.txt", minutes_ago=6)
    assert _evaluate(instance, tmp_path).run_key != first.run_key


def test_landing_sensor_waits_while_the_job_runs(tmp_path: Path):
    instance = dg.DagsterInstance.ephemeral()
    folder = tmp_path / "landing" / "csc" / "crm"
    folder.mkdir(parents=True)
    _land(folder, "contacts_20250401.csv", minutes_ago=10)
    instance.add_run(
        dg.DagsterRun(job_name=JOB, run_id="a-run-in-progress", status=dg.DagsterRunStatus.STARTED)
    )
    skip = _evaluate(instance, tmp_path)
    assert isinstance(skip, dg.SkipReason) and "a-run-in-progress" in skip.skip_message
