"""The publish asset: write-audit-publish of the `bi` tables into a release (publication/).

Its upstream `bi` assets carry the gate (dbt tests of severity error, GX suites: quality.py); when a
blocking check fails, Dagster does not run this asset and `current` stays as it was.
"""

import os
from importlib.metadata import version

import dagster as dg

from expectations.runner import docs_index, prune_docs
from identity.resolution import model_path
from ingestion import register
from ingestion.ibc_finance import FI_ITEMS
from orchestration.dbt import DUCKDB_WRITERS, TRANSIENT_RETRY, dbt_models
from orchestration.freshness import RELEASE_FRESHNESS
from orchestration.quality import DAILY_FEED_TABLES, gx_run_dir
from orchestration.resources import WarehouseResource
from publication.completeness import daily_feed_days, missing_days, reporting_date
from publication.release import ReleaseInputs, build_release, prune_releases, switch_current
from publication.transparency import publish_transparency_files

BI_ASSETS = sorted((k for k in dbt_models.keys if k.path[0] == "bi"), key=lambda k: k.to_user_string())
KEEP_GX_RUNS = 30


def _checks_of_run(context: dg.AssetExecutionContext) -> list[dict]:
    """Every asset check evaluated so far in this run, with its outcome."""
    records = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    checks = []
    for record in records:
        evaluation = record.dagster_event.event_specific_data
        checks.append(
            {
                "asset": evaluation.asset_key.to_user_string(),
                "check": evaluation.check_name,
                "passed": evaluation.passed,
                "severity": evaluation.severity.value,
                "blocking": bool(evaluation.blocking),
            }
        )
    return checks


@dg.asset(
    key=dg.AssetKey(["publication", "release"]),
    group_name="publication",
    kinds={"duckdb", "parquet", "tableau"},
    owners=["team:data-engineering"],
    deps=BI_ASSETS,
    pool=DUCKDB_WRITERS,
    retry_policy=TRANSIENT_RETRY,
    freshness_policy=RELEASE_FRESHNESS,
    description="A new immutable release of every `bi` table under published/releases/ (DuckDB, Parquet, "
    "Tableau Hyper, manifest, transparency files), verified, then `current` switched to it atomically. "
    "Runs only when every blocking check upstream passed.",
)
def release(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    home = warehouse.home_path
    with warehouse.connect(read_only=True) as con:
        sources = register.latest_loaded_files(con)
        as_of = reporting_date(con, FI_ITEMS.table)
        missing = missing_days(daily_feed_days(con, DAILY_FEED_TABLES, as_of)) if as_of else []
    checks = _checks_of_run(context)
    docs = gx_run_dir(home, context.run_id)
    inputs = ReleaseInputs(
        run_id=context.run_id,
        source_files=sources,
        checks=checks,
        versions={
            name: version(name)
            for name in ("insight-hub", "dbt-core", "dbt-duckdb", "dagster", "duckdb", "great-expectations")
        },
        reporting_date=as_of,
        completeness={"daily_feeds": DAILY_FEED_TABLES, "missing": missing},
        data_docs=str(docs_index(docs)) if docs.exists() else None,
        # The trained Splink model (settings, m and u probabilities; no records), once identity ran.
        attachments=tuple(p for p in (model_path(home),) if p.is_file()),
    )
    published = warehouse.layout.published
    folder = build_release(warehouse.layout.warehouse, published.root, inputs)
    switch_current(published.root, folder.name)
    transparency = publish_transparency_files(folder, published.transparency)
    pruned = prune_releases(published.root, keep=int(os.environ.get("INSIGHT_HUB_KEEP_RELEASES", "7")))
    prune_docs(docs.parent, keep=KEEP_GX_RUNS)
    return dg.MaterializeResult(
        metadata={
            "release_id": folder.name,
            "path": dg.MetadataValue.path(str(folder)),
            "reporting_date": as_of.isoformat() if as_of else "",
            "source_files": len(sources),
            "checks_recorded": len(checks),
            "missing_daily_files": len(missing),
            "transparency_files_written": transparency,
            "data_docs": dg.MetadataValue.path(str(docs_index(docs))),
            "pruned_releases": pruned,
        }
    )


# `insight-hub publish`: the gate (every check on the `bi` tables) and the publish step, without
# ingesting or rebuilding anything.
publish_release = dg.define_asset_job(
    "publish_release",
    selection=dg.AssetSelection.assets(release) | dg.AssetSelection.checks_for_assets(*BI_ASSETS),
    description="Gate the current `bi` tables (dbt tests, GX suites) and publish them as a new release.",
)
