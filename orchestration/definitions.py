"""All of Insight Hub's Dagster definitions, assembled in one place, when a tool loads them.

Importing this module writes and runs nothing: Dagster's loaders (`dagster dev`, the webserver's
and daemon's code servers, `dagster asset materialize -m`) call `defs`, the CLI and the tests call
`load_definitions`. Loading reads dbt's manifest, which the entry point prepared
(`orchestration.warehouse.prepare_manifest`); the data root is read by each resource when a run starts
(dg.EnvVar("INSIGHT_HUB_HOME")), so one loaded set of definitions serves runs on any root.
"""

import functools
import os

import dagster as dg

from ingestion.layout import HOME_VARIABLE, Layout
from orchestration.forecast import csc_forecast
from orchestration.gate import gate_checks
from orchestration.governance import governance_log, retention, warehouse_compaction
from orchestration.identity import customer_resolution
from orchestration.ingestion import FEED_ASSETS, OPS_TABLES, RAW_GX_CHECKS
from orchestration.operations.alerts import ALERT_SENSORS, alert_settings
from orchestration.operations.freshness import (
    alert_on_late_feeds,
    alert_on_stale_release,
    feed_freshness_checks,
    published_overnight,
)
from orchestration.operations.run_lock import release_dead_runs_sensor
from orchestration.operations.schedule import landing_sensor, nightly_refresh, nightly_schedule_from_env
from orchestration.publication import publish_release, release_asset
from orchestration.resources import WarehouseResource
from orchestration.restatements import restatements_asset
from orchestration.warehouse import (
    bi_keys,
    dbt_forecast_marts_asset,
    dbt_models_asset,
    dbt_project,
    dbt_resource,
    prepare_manifest,
    restatements_model_asset,
)


@functools.cache
def load_definitions() -> dg.Definitions:
    """The definitions, built once per process from the dbt manifest of the data root named now."""
    layout = Layout.from_env()
    project = dbt_project(layout)
    if project.preparer.using_dagster_dev():  # `dagster dev` is its own entry point (dagster-dbt's way)
        os.environ.setdefault(HOME_VARIABLE, str(layout.home))
        prepare_manifest(layout)
    dbt_models = dbt_models_asset(project)
    restated = restatements_model_asset(project)
    forecast_marts = dbt_forecast_marts_asset(project)
    bi = bi_keys(dbt_models, restated, forecast_marts)
    gx_checks = gate_checks(bi)
    dbt_checks = [*dbt_models.check_specs, *restated.check_specs, *forecast_marts.check_specs]
    release = release_asset(
        bi, [*dbt_checks, *(s for c in gx_checks for s in c.check_specs)], project.manifest_path
    )
    home = dg.EnvVar(HOME_VARIABLE)
    return dg.Definitions(
        assets=[
            *FEED_ASSETS,
            *OPS_TABLES,
            customer_resolution,
            dbt_models,
            restatements_asset(bi, project.manifest_path),
            restated,
            csc_forecast,
            forecast_marts,
            release,
            governance_log,
            retention,
            warehouse_compaction,
        ],
        asset_checks=[*gx_checks, *RAW_GX_CHECKS, feed_freshness_checks, published_overnight],
        jobs=[nightly_refresh, publish_release],
        schedules=[nightly_schedule_from_env()],
        sensors=[
            *ALERT_SENSORS,
            alert_on_late_feeds,
            alert_on_stale_release,
            landing_sensor,
            release_dead_runs_sensor,
        ],
        # One process runs every step of a run in turn: DuckDB has one writer at a time. A server
        # warehouse (scale-out path) would switch this to the multiprocess or Kubernetes executor.
        executor=dg.in_process_executor,
        loggers={"console": dg.colored_console_logger},
        resources={
            "warehouse": WarehouseResource(home=home),
            "dbt": dbt_resource(home),
            "notifier": alert_settings,  # where alerts go: read at each evaluation
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster's tools load (workspace.yaml's code location).

    Each load (a code server starting, the UI's "Reload definitions" restarting it) first brings
    dbt's manifest up to date with the project, so a new or changed model is seen without
    `insight-hub prepare`; parses are serialised, so the webserver's and the daemon's loads never
    write the manifest at once.
    """
    layout = Layout.from_env()
    os.environ.setdefault(HOME_VARIABLE, str(layout.home))  # dbt's profile reads it
    prepare_manifest(layout)
    return load_definitions()
