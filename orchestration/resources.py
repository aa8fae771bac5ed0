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

# The Dagster instance's storage for a team deployment (dagster-postgres): a libpq URL of a PostgreSQL
# database of its own. Unset, the storage is SQLite under DAGSTER_HOME (one machine, one engineer).
DAGSTER_STORAGE_VARIABLE = "INSIGHT_HUB_DAGSTER_STORAGE_URL"

DAGSTER_YAML = """\
# The Dagster instance of Insight Hub, written by `insight-hub` at each launch from the environment
# (orchestration/resources.py, write_instance_config): edits here are overwritten (docs/deployment.md).
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
# What dagster.yaml names: the same URL with the driver dagster-postgres is written for (psycopg2).
# SQLAlchemy 2.1 opens a bare postgresql:// URL with psycopg 3, on which dagster-postgres 0.29's
# event log fails (its `NOTIFY run_events, :id` cannot take a server-side parameter).
DAGSTER_DRIVER_VARIABLE = "INSIGHT_HUB_DAGSTER_STORAGE_SQLALCHEMY_URL"
# Run, event-log and schedule storage on PostgreSQL; the URL (and any password in it) stays in the
# environment of each Dagster process, never in the file.
POSTGRES_STORAGE_YAML = f"""\
storage:
  postgres:
    postgres_url:
      env: {DAGSTER_DRIVER_VARIABLE}
"""


class InstanceConfigError(ValueError):
    """The environment names a Dagster storage this product cannot use."""


def dagster_storage_url() -> str | None:
    """The PostgreSQL URL of Dagster's storage, or None for the single-user SQLite default."""
    url = os.environ.get(DAGSTER_STORAGE_VARIABLE, "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        scheme = url.split("://", 1)[0] if "://" in url else "no scheme"
        raise InstanceConfigError(
            f"{DAGSTER_STORAGE_VARIABLE} must be a postgresql:// URL of a PostgreSQL database for "
            f"Dagster's storage (got {scheme}); unset it for the single-user SQLite storage"
        )
    return url


def write_instance_config(dagster_home: Path) -> Path:
    """Write `<dagster_home>/dagster.yaml` for the storage the environment names now: the only writer.

    Rewritten at every launch (atomically, and only when it changes), so the storage follows the
    configuration: SQLite by default, PostgreSQL when INSIGHT_HUB_DAGSTER_STORAGE_URL is set (then
    INSIGHT_HUB_DAGSTER_STORAGE_SQLALCHEMY_URL, which the file names, is derived from it here).
    """
    url = dagster_storage_url()
    if url:
        # Set for this process and inherited by the Dagster processes it starts.
        os.environ[DAGSTER_DRIVER_VARIABLE] = "postgresql+psycopg2://" + url.split("://", 1)[1]
    else:
        os.environ.pop(DAGSTER_DRIVER_VARIABLE, None)
    text = DAGSTER_YAML + (POSTGRES_STORAGE_YAML if url else "")
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / "dagster.yaml"
    if path.exists() and path.read_text() == text:
        return path
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    os.replace(partial, path)  # a process starting now reads the old file or the new one, whole
    return path


def configure_environment() -> Path:
    """Point every tool's runtime writes under INSIGHT_HUB_HOME and turn telemetry off.

    Called by the entry points at launch (the CLI, the tests' conftest, the benchmarks), never at
    import: the resources then read INSIGHT_HUB_HOME when each run starts.
    """
    layout = Layout.from_env()
    home = layout.home
    layout.protect()  # personal data: everything written from now on is the owner's only
    dagster_home = layout.dagster_home
    write_instance_config(dagster_home)
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
