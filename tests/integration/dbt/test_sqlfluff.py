"""The dbt project's SQL is sqlfluff-clean (dbt templater, DuckDB dialect, lower case; see .sqlfluff)."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from warehouse_world import dbt_env

pytestmark = pytest.mark.slow  # the dbt templater compiles the whole project

REPO = Path(__file__).resolve().parents[3]


def test_sqlfluff_finds_nothing_to_fix(tmp_path: Path):
    sqlfluff = str(Path(sys.executable).parent / "sqlfluff")
    result = subprocess.run(
        [sqlfluff, "lint", "--nofail", "--format", "github-annotation-native", "dbt_project"],
        cwd=REPO,
        env=dbt_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    findings = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert result.returncode == 0, result.stderr[-2000:]
    assert findings == []


def test_the_pre_commit_hook_lints_while_the_warehouse_is_open_in_a_run(tmp_path: Path):
    """The hook's own command, with a writer holding the warehouse (DuckDB's lock): the dbt templater
    compiles on the profile's in-memory `lint` target, so the live warehouse is never opened."""
    hooks = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    entry = next(h["entry"] for h in hooks if h["id"] == "sqlfluff-lint")
    home = tmp_path / "home"
    home.mkdir()
    model = "dbt_project/models/staging/csc/stg_csc__contacts.sql"
    with duckdb.connect(str(home / "warehouse.duckdb")):  # a run holds the warehouse
        result = subprocess.run(
            [*shlex.split(entry), model],
            cwd=REPO,
            env={**os.environ, "INSIGHT_HUB_HOME": str(home)},
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    assert "FAIL" not in result.stdout
