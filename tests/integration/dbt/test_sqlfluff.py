"""The dbt project's SQL is sqlfluff-clean (dbt templater, DuckDB dialect, lower case; see .sqlfluff)."""

import subprocess
import sys
from pathlib import Path

import pytest
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
