"""One Dagster asset per landing feed (group `ingestion`), each with its row-conservation check."""

import dagster as dg

from ingestion import FEEDS, FeedSpec
from ingestion.landing import ingest_feed
from orchestration.dbt import DUCKDB_WRITERS
from orchestration.resources import WarehouseResource

CONSERVATION_SQL = """
with files as (
    select file_name, rows_read, rows_loaded, rows_quarantined
    from ops.file_register
    where table_name = ? and status in ('loaded', 'loaded_with_quarantine')
      and (file_name, version) in (select file_name, max(version) from ops.file_register
                                   where table_name = ? group by file_name)
),
in_table as (
    select _source_file as file_name, count(*) as rows_in_table from raw.{table} group by 1
)
select files.file_name, rows_read, rows_loaded, rows_quarantined, coalesce(rows_in_table, 0)
from files left join in_table using (file_name)
where rows_read is distinct from rows_loaded + rows_quarantined
   or rows_loaded is distinct from coalesce(rows_in_table, 0)
"""


def feed_asset(spec: FeedSpec) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", spec.table])

    @dg.asset(
        key=key,
        group_name="ingestion",
        kinds={"python", "duckdb"},
        owners=["team:data-engineering"],
        description=f"`raw.{spec.table}`: {spec.description} Files `{spec.feed_path}/"
        f"{spec.file_prefix}*{spec.extension}` ({spec.cadence}), loaded as they are with lineage columns.",
        pool=DUCKDB_WRITERS,
        check_specs=[
            dg.AssetCheckSpec(
                "row_conservation",
                asset=key,
                blocking=True,
                description="For every loaded file: rows read = rows loaded + rows quarantined, "
                "and the rows loaded are the rows in the raw table.",
            )
        ],
    )
    def _feed(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect() as con:
            result = ingest_feed(con, warehouse.home_path, spec)
            broken = con.execute(
                CONSERVATION_SQL.format(table=spec.table), [spec.table, spec.table]
            ).fetchall()
        for outcome in result.files:
            if outcome.status == "quarantined":
                context.log.warning(f"{outcome.file_name} quarantined: check {outcome.check_failed}")
        yield dg.MaterializeResult(
            metadata={
                "files_processed": len(result.files),
                "files_quarantined": result.files_quarantined,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
            }
        )
        yield dg.AssetCheckResult(
            check_name="row_conservation",
            passed=not broken,
            metadata={"files_out_of_balance": [row[0] for row in broken]},
        )

    return _feed


FEED_ASSETS = [feed_asset(spec) for spec in FEEDS]
