import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from warehouse_world import small_world  # noqa: E402, F401  (the session fixture, shared with tests/integration/dbt)
