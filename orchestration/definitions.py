"""All of Insight Hub's Dagster definitions, assembled in one place."""

import dagster as dg

from orchestration.dbt import PROJECT, dbt_models, dbt_resource
from orchestration.ingestion_assets import FEED_ASSETS
from orchestration.publication_assets import release
from orchestration.quality import GX_CHECKS
from orchestration.resources import WarehouseResource, configure_environment

HOME = configure_environment()

nightly_refresh = dg.define_asset_job(
    "nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest what has landed, build the warehouse, gate it, publish a release.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_0200",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    assets=[*FEED_ASSETS, dbt_models, release],
    asset_checks=GX_CHECKS,
    jobs=[nightly_refresh],
    schedules=[nightly_schedule],
    resources={"warehouse": WarehouseResource(home=str(HOME)), "dbt": dbt_resource(PROJECT)},
)
