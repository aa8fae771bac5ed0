"""Great Expectations suites as Dagster asset checks: the gate directly upstream of the publish asset.

Every published (`bi`) table gets `gx_<table>`: its suite (expectations/suites/<table>.py) plus what
every published table must meet (no sudden drop in rows against the current release, no direct
identifiers). `bi/data_quality_summary` also carries `feed_completeness`: every daily feed
delivered up to the reporting date. Blocking or warning by expectations/gate_policy.yml; a
blocking check that fails stops the publish asset. Each run's validation results and Data Docs go
to $INSIGHT_HUB_HOME/gx/runs/<run id>/, linked from every check's metadata.
"""

from pathlib import Path

import dagster as dg
import pandas as pd

from expectations.runner import SuiteOutcome, docs_index, policy, published_table_expectations, run_suite
from ingestion import FEEDS
from ingestion.ibc_finance import FI_ITEMS
from ingestion.layout import Layout
from orchestration.dbt import dbt_models
from orchestration.resources import WarehouseResource
from publication.completeness import daily_feed_days, missing_days, reporting_date
from publication.release import current_manifest

PUBLISHED_TABLES = sorted(key.path[1] for key in dbt_models.keys if key.path[0] == "bi")
DAILY_FEED_TABLES = sorted(spec.table for spec in FEEDS if spec.cadence == "daily")
COLUMNS_SQL = """
select column_name, data_type from duckdb_columns()
where schema_name = 'bi' and table_name = ? order by column_index
"""


def gx_run_dir(home: Path, run_id: str) -> Path:
    """Where a run's validation results and Data Docs live."""
    return Layout(home).gx_run(run_id)


def gx_result(outcome: SuiteOutcome, docs: Path, **metadata) -> dg.AssetCheckResult:
    """A suite's outcome as a check result (also used by the raw feeds' checks in ingestion_assets)."""
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
        metadata={
            **metadata,
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": dg.MetadataValue.json(outcome.failed),
            "data_docs": dg.MetadataValue.path(str(docs_index(docs))),
            "validation_page": dg.MetadataValue.url(outcome.docs_page or ""),
        },
    )


def gx_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["bi", table]),
        name=f"gx_{table}",
        blocking=policy(table) == "blocking",
        description=f"Great Expectations suite `{table}` (expectations/suites/{table}.py) and the rules of "
        f"every published table (row count against the current release, no direct identifiers); "
        f"{policy(table)}.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            columns = con.execute(COLUMNS_SQL, [table]).fetchall()
            df = con.sql(f"select * from bi.{table}").to_arrow_table().to_pandas()
        previous = current_manifest(Layout(warehouse.home_path).published.root)
        previous_rows = previous["tables"].get(table, {}).get("rows") if previous else None
        docs = gx_run_dir(warehouse.home_path, context.op_execution_context.run_id)
        outcome = run_suite(table, df, extra=published_table_expectations(columns, previous_rows), docs=docs)
        return gx_result(outcome, docs, rows=len(df), rows_in_current_release=previous_rows)

    return _check


@dg.asset_check(
    asset=dg.AssetKey(["bi", "data_quality_summary"]),
    name="feed_completeness",
    blocking=policy("feed_completeness") == "blocking",
    description="Every daily feed delivered a file for every day up to the reporting date (the date of the "
    f"newest FI_ITEMS file loaded, never the wall clock); {policy('feed_completeness')}.",
)
def feed_completeness(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        as_of = reporting_date(con, FI_ITEMS.table)
        days = daily_feed_days(con, DAILY_FEED_TABLES, as_of) if as_of else []
    if as_of is None:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR
            if policy("feed_completeness") == "blocking"
            else dg.AssetCheckSeverity.WARN,
            metadata={"reason": "no FI_ITEMS file loaded yet: the release has no reporting date"},
        )
    docs = gx_run_dir(warehouse.home_path, context.op_execution_context.run_id)
    outcome = run_suite(
        "feed_completeness", pd.DataFrame(days, columns=["table_name", "day", "status"]), docs=docs
    )
    missing = missing_days(days)
    return gx_result(
        outcome,
        docs,
        reporting_date=as_of.isoformat(),
        missing_files=len(missing),
        missing=dg.MetadataValue.json(missing[:100]),
    )


GX_CHECKS = [*(gx_check(table) for table in PUBLISHED_TABLES), feed_completeness]
