"""The whole graph materialises in-process on a small simulated county and publishes a release."""

import json
import os
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import defs
from simulator import simulate

pytestmark = pytest.mark.slow


def test_nightly_job_ingests_builds_gates_and_publishes():
    home = Path(os.environ["INSIGHT_HUB_HOME"])
    simulate(home, scale=0.01, start=date(2025, 4, 1), days=40, seed=7, defects=0.0)

    result = defs.resolve_job_def("nightly_refresh").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    assert checks and all(c.passed for c in checks if c.blocking)
    # The simulated files are dated 2025: against today's clock every feed is late, which is a
    # warning for operations and never stops the release.
    late = [c for c in checks if c.check_name == "arrived_on_time"]
    assert late and all(not c.passed and c.severity == dg.AssetCheckSeverity.WARN for c in late)
    current = home / "published" / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    assert manifest["run_id"] == result.run_id
    assert any(f["name"].startswith("PA0001_") for f in manifest["source_files"])
    assert "kpi_workforce_monthly" in manifest["tables"]
    con = duckdb.connect(str(current / "insight_hub.duckdb"), read_only=True)
    months, headcount = con.execute(
        "select count(distinct month), sum(headcount) from bi.kpi_workforce_monthly"
    ).fetchone()
    con.close()
    assert months == 2  # April and (part of) May 2025
    assert headcount > 0
    assert manifest["tables"]["kpi_workforce_monthly"]["rows"] == 2 * 7
