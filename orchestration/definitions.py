"""All of Insight Hub's Dagster definitions, assembled in one place."""

import dagster as dg

from orchestration.alerts import ALERT_SENSORS, notifier_from_env
from orchestration.dbt import PROJECT, dbt_models, dbt_resource
from orchestration.freshness import (
    alert_on_late_feeds,
    alert_on_stale_release,
    feed_freshness_checks,
    published_overnight,
)
from orchestration.governance_assets import governance_log
from orchestration.identity_assets import customer_resolution
from orchestration.ingestion_assets import FEED_ASSETS, OPS_TABLES, RAW_GX_CHECKS
from orchestration.jobs import nightly_refresh, nightly_schedule
from orchestration.progress import progress_logger
from orchestration.publication_assets import publish_release, release
from orchestration.quality import GX_CHECKS
from orchestration.resources import WarehouseResource, configure_environment
from orchestration.run_lock import release_dead_runs_sensor
from orchestration.sensors import landing_sensor

HOME = configure_environment()

defs = dg.Definitions(
    assets=[*FEED_ASSETS, *OPS_TABLES, customer_resolution, dbt_models, release, governance_log],
    asset_checks=[*GX_CHECKS, *RAW_GX_CHECKS, feed_freshness_checks, published_overnight],
    jobs=[nightly_refresh, publish_release],
    schedules=[nightly_schedule],
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
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    resources={
        "warehouse": WarehouseResource(home=str(HOME)),
        "dbt": dbt_resource(PROJECT),
        "notifier": notifier_from_env(),
    },
)
