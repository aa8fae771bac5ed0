"""One feed's raw asset is materialised alone, as `dagster asset materialize --select raw/<feed>`
and the UI's Materialize of one asset do: with its own checks, the freshness one among them (a
multi-asset check that could not be subset refused every such selection)."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from private_home import run_job

from ingestion import FEEDS
from ingestion.layout import Layout
from orchestration.ingestion import days_to_run
from orchestration.resources import REPO_ROOT
from orchestration.warehouse import prepare_manifest
from simulator import simulate

CONTACTS = dg.AssetKey(["raw", "csc_crm_contacts"])


@pytest.fixture(scope="module")
def one_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("one_feed")
    simulate(home, scale=0.01, start=date(2025, 4, 1), days=1, seed=11, defects=0.0)
    return home


def _evaluations(events) -> set[tuple[dg.AssetKey, str]]:
    return {
        (e.event_specific_data.asset_key, e.event_specific_data.check_name)
        for e in events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    }


def test_one_raw_asset_materialises_with_its_own_checks(one_day: Path, monkeypatch: pytest.MonkeyPatch):
    one = dg.define_asset_job("one_feed", selection=dg.AssetSelection.assets(CONTACTS))
    result = run_job(one_day, "one_feed", monkeypatch, extra_jobs=(one,), partition_key="2025-04-01")
    assert result.success
    assert _evaluations(result.all_events) == {
        (CONTACTS, "arrived_on_time"),
        (CONTACTS, "row_conservation"),
        (CONTACTS, "gx_raw_csc_crm_contacts"),
    }
    assert len(FEEDS) > 1  # the freshness check holds every feed's: only this one's ran


@pytest.mark.slow
def test_the_cli_materialises_one_feed_with_its_freshness_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    home = tmp_path / "home"
    simulate(home, scale=0.01, start=date(2025, 4, 1), days=1, seed=11, defects=0.0)
    day = days_to_run(home).start
    monkeypatch.setenv("INSIGHT_HUB_HOME", str(home))
    prepare_manifest(Layout(home))  # what `insight-hub prepare` does before Dagster's own commands
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    (home / "dagster").mkdir()
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "asset",
            "materialize",
            "-m",
            "orchestration.definitions",
            "--select",
            "raw/csc_crm_contacts",
            "--partition",
            day,
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    (record,) = instance.get_run_records()
    assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    evaluations = {
        (e.asset_key, e.check_name)
        for e in (
            event.dagster_event.event_specific_data
            for event in instance.all_logs(record.dagster_run.run_id)
            if event.dagster_event
            and event.dagster_event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
    }
    assert evaluations == {
        (CONTACTS, "arrived_on_time"),
        (CONTACTS, "row_conservation"),
        (CONTACTS, "gx_raw_csc_crm_contacts"),
    }
