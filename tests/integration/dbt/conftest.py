import json

import pytest
from warehouse_world import (
    run_dbt,
    small_world,  # noqa: F401  (the session fixture, shared with tests/integration/kpi)
)


@pytest.fixture(scope="session")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The dbt project's parsed manifest (`dbt parse`, no data needed)."""
    home = tmp_path_factory.mktemp("dbt-parse")
    result = run_dbt(home, ["parse", "--quiet"])
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((home / "dbt" / "target" / "manifest.json").read_text())
