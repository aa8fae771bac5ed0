"""Settings from the environment, and the resources assets use to reach the warehouse.

INSIGHT_HUB_HOME is the only data root: the working DuckDB file, landing/archive/quarantine,
published releases, and every runtime write of the tools (dbt target and logs, DAGSTER_HOME,
GX output, Hyper logs) live under it. Usage telemetry is switched off for every tool.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.layout import Layout

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEMO_SALT = "insight-hub-demo-salt-not-for-production"

DAGSTER_YAML = """\
# Instance settings for the local Insight Hub deployment (written on first use).
# For a shared deployment, switch run, event and schedule storage to Postgres:
#   storage:
#     postgres:
#       postgres_db:
#         username: {env: DAGSTER_PG_USERNAME}
#         password: {env: DAGSTER_PG_PASSWORD}
#         hostname: {env: DAGSTER_PG_HOST}
#         db_name: {env: DAGSTER_PG_DB}
#         port: 5432
telemetry:
  enabled: false
# DuckDB allows one writer process: one run at a time, and one step at a time in each pool
# (every DuckDB writer is in pool `duckdb_writers`). A second run waits in the queue.
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
    granularity: op
"""


def configure_environment() -> Path:
    """Point every tool's runtime writes under INSIGHT_HUB_HOME and turn telemetry off.

    Called by the entry points at launch (the CLI, the tests' conftest, the benchmarks), never at
    import: the resources then read INSIGHT_HUB_HOME when each run starts.
    """
    layout = Layout.from_env()
    home = layout.home
    home.mkdir(parents=True, exist_ok=True)
    dagster_home = layout.dagster_home
    dagster_home.mkdir(exist_ok=True)
    if not (dagster_home / "dagster.yaml").exists():
        (dagster_home / "dagster.yaml").write_text(DAGSTER_YAML)
    derived = {
        "INSIGHT_HUB_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "DBT_TARGET_PATH": str(layout.dbt_target),
        "DBT_LOG_PATH": str(layout.dbt_logs),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # A run over a range of days plans each asset once with its subset of days, instead of one
        # event per asset per day (8,100 events, ~60 s, on a 90-day first run). The cost: a run that
        # fails leaves its days "missing" rather than "failed" (the run itself shows the failure).
        "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1",
    }
    # Always derived from the home, never inherited: nothing may write outside it.
    os.environ.update(derived)
    return home


def salt() -> tuple[str, bool]:
    """The pseudonymisation salt and whether it is the demo default (refused in production)."""
    value = os.environ.get("INSIGHT_HUB_SALT")
    if value:
        return value, False
    if os.environ.get("INSIGHT_HUB_ENV", "dev") == "prod":
        raise RuntimeError("INSIGHT_HUB_SALT must be set in production (INSIGHT_HUB_ENV=prod)")
    return DEMO_SALT, True


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB warehouse under INSIGHT_HUB_HOME (one writer at a time)."""

    home: str

    @property
    def home_path(self) -> Path:
        return Path(self.home)

    @property
    def layout(self) -> Layout:
        return Layout(self.home_path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(str(self.layout.warehouse), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
