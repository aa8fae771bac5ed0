"""The publish asset: write-audit-publish of the `bi` tables into a release (publication/)."""

import os
from importlib.metadata import version

import dagster as dg

from orchestration.dbt import DUCKDB_WRITERS, dbt_models
from orchestration.freshness import RELEASE_FRESHNESS
from orchestration.resources import WarehouseResource, warehouse_path
from publication.release import ReleaseInputs, build_release, prune_releases, switch_current

BI_ASSETS = sorted((k for k in dbt_models.keys if k.path[0] == "bi"), key=lambda k: k.to_user_string())

SOURCE_FILES_SQL = """
select file_name as name, feed_path as feed, sha256, rows_loaded as rows, file_date
from ops.file_register r
where status in ('loaded', 'loaded_with_quarantine')
  and version = (select max(version) from ops.file_register v where v.file_name = r.file_name)
order by feed_path, file_name
"""


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
    kinds={"duckdb", "parquet"},
    owners=["team:data-engineering"],
    deps=BI_ASSETS,
    pool=DUCKDB_WRITERS,
    freshness_policy=RELEASE_FRESHNESS,
    description="A new immutable release of every `bi` table under published/releases/, verified, "
    "then `current` switched to it atomically. Runs only when every blocking check upstream passed.",
)
def release(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    home = warehouse.home_path
    with warehouse.connect(read_only=True) as con:
        sources = [
            dict(zip(("name", "feed", "sha256", "rows", "file_date"), row, strict=True))
            for row in con.execute(SOURCE_FILES_SQL).fetchall()
        ]
    reporting_date = max((str(s["file_date"]) for s in sources), default=None)
    inputs = ReleaseInputs(
        run_id=context.run_id,
        source_files=sources,
        checks=_checks_of_run(context),
        versions={
            name: version(name) for name in ("insight-hub", "dbt-core", "dbt-duckdb", "dagster", "duckdb")
        },
        reporting_date=reporting_date,
    )
    published = home / "published"
    folder = build_release(warehouse_path(home), published, inputs)
    switch_current(published, folder.name)
    pruned = prune_releases(published, keep=int(os.environ.get("INSIGHT_HUB_KEEP_RELEASES", "7")))
    return dg.MaterializeResult(
        metadata={
            "release_id": folder.name,
            "path": dg.MetadataValue.path(str(folder)),
            "reporting_date": reporting_date or "",
            "source_files": len(sources),
            "pruned_releases": pruned,
        }
    )
