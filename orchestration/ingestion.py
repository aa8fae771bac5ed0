"""The ingestion slice: one Dagster asset per landing feed (group `ingestion`), its row-conservation
check and its GX suite, and the daily partitions of the daily feeds.

The asset loads what the feed has in landing (ingestion.landing): a daily feed is partitioned by
day and takes the files dated within the run's days; the other feeds take every file waiting.
Quarantined files are reported in metadata and logs, never raised, so they alone do not fail a
run. File names and counts are all that reach Dagster: never a value from a file.

A partition of `raw/<daily feed>` is a business day: the day in the file's name. Materialising it
means that the feed's deliveries dated that day have been judged (loaded, or refused with a
report). A run takes one range of days (single-run backfill policy): the nightly run and the
landing sensor take the days of the files waiting in landing, so a late or corrected file for an
old day is loaded by a run of that day alone; an engineer backfills a day from the UI the same way
(docs/operations.md). The first and the last partition are open-ended: a run that reaches them also
takes files dated before the first or after the last, so no file ever falls outside every run.
Weekly, monthly and yearly feeds and everything downstream are not partitioned: they are rebuilt
whole each run.
"""

from datetime import date
from pathlib import Path

import dagster as dg

from expectations.raw_feeds import feed_suite, suite_columns, suite_name
from expectations.runner import run_suite
from ingestion import FEEDS, FeedSpec, register
from ingestion.landing import ingest_feed
from ingestion.zone import ALL_DAYS, DayWindow, archived_files, pending_files
from orchestration.gate import gx_result, gx_run_dir
from orchestration.policy import DUCKDB_WRITERS, OWNERS, TRANSIENT_RETRY, blocking, described
from orchestration.resources import WarehouseResource, salt

# The council's warehouse history starts with the 2020/21 financial year.
FEED_DAYS = dg.DailyPartitionsDefinition(start_date="2020-04-01", timezone="Europe/London", end_offset=1)
DAILY_FEEDS = [spec for spec in FEEDS if spec.cadence == "daily"]

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def _key(day: date) -> str:
    return day.isoformat()


def day_window(partition_range: dg.PartitionKeyRange) -> DayWindow:
    """The days of the files a run over `partition_range` takes (open at the partitions' bounds)."""
    first = FEED_DAYS.get_first_partition_key()
    last = FEED_DAYS.get_last_partition_key()
    return (
        None if partition_range.start <= first else date.fromisoformat(partition_range.start),
        None if partition_range.end >= last else date.fromisoformat(partition_range.end),
    )


def days_to_run(home: Path) -> dg.PartitionKeyRange:
    """The range of days a nightly or sensor run takes.

    The days of the daily files waiting in landing; with none waiting, the newest day already
    archived (its rerun loads nothing new, and restores the feeds from archive/ if the warehouse
    was lost); with nothing delivered yet, the newest partition. Days beyond the partitions'
    bounds count as the bound (the bounds are open-ended).
    """
    first = date.fromisoformat(FEED_DAYS.get_first_partition_key())
    last = date.fromisoformat(FEED_DAYS.get_last_partition_key())
    days = [spec.file_date(path.name) for spec in DAILY_FEEDS for path in pending_files(home, spec, ALL_DAYS)]
    if not days:
        archived = (spec.file_date(path.name) for spec in DAILY_FEEDS for path in archived_files(home, spec))
        newest = max(archived, default=None)
        days = [newest or last]
    clamp = [min(max(day, first), last) for day in days]
    return dg.PartitionKeyRange(_key(min(clamp)), _key(max(clamp)))


def range_tags(partition_range: dg.PartitionKeyRange) -> dict[str, str]:
    """Run tags asking for one run over `partition_range` (how Dagster marks a single-run backfill)."""
    return {RANGE_START_TAG: partition_range.start, RANGE_END_TAG: partition_range.end}


def feed_asset(spec: FeedSpec) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", spec.table])
    daily = spec.cadence == "daily"

    @dg.asset(
        key=key,
        group_name="ingestion",
        kinds={"python", "duckdb"},
        owners=OWNERS,
        description=f"`raw.{spec.table}`: {spec.description} Files `{spec.feed_path}/"
        f"{spec.file_prefix}*{spec.extension}` ({spec.cadence}), loaded as they are with lineage columns.",
        pool=DUCKDB_WRITERS,
        retry_policy=TRANSIENT_RETRY,
        partitions_def=FEED_DAYS if daily else None,
        backfill_policy=dg.BackfillPolicy.single_run() if daily else None,
        check_specs=[
            dg.AssetCheckSpec(
                "row_conservation",
                asset=key,
                blocking=True,
                description="For every loaded file: rows read = rows loaded + rows quarantined, the rows "
                "loaded are the file's rows in the raw table and the rows quarantined its rows in "
                "ops.quarantined_rows.",
            )
        ],
    )
    def _feed(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        window = day_window(context.partition_key_range) if daily else ALL_DAYS
        with warehouse.connect() as con:
            result = ingest_feed(con, warehouse.home_path, spec, window, salt=salt()[0])
            broken = register.out_of_balance(con, spec.table)
        refused = [
            {"file": f.file_name, "check": f.check_failed} for f in result.files if f.status == "quarantined"
        ]
        for f in result.files:
            if f.status == "quarantined":
                context.log.warning(f"{f.file_name} quarantined: check {f.check_failed}")
            elif f.warnings:
                context.log.info(f"{f.file_name} loaded with warnings: {', '.join(f.warnings)}")
        days = (
            {"days": f"{context.partition_key_range.start} to {context.partition_key_range.end}"}
            if daily
            else {}
        )
        yield dg.MaterializeResult(
            metadata={
                **days,
                "files_processed": len(result.files),
                "files_unchanged": sum(f.status == "unchanged" for f in result.files),
                "files_quarantined": result.files_quarantined,
                "files_late": result.files_warned("late_arrival"),
                "files_new_version": result.files_warned("new_version"),
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "quarantined_files": dg.MetadataValue.json(refused[:100]),
            }
        )
        yield dg.AssetCheckResult(
            check_name="row_conservation",
            passed=not broken,
            metadata={"files_out_of_balance": dg.MetadataValue.json(broken[:100])},
        )

    return _feed


def raw_gx_check(spec: FeedSpec) -> dg.AssetChecksDefinition:
    """The feed's suite `raw_<table>`, generated from its FeedSpec, on the columns it reads
    (DuckDB -> Arrow -> pandas)."""
    suite = suite_name(spec)
    is_blocking = blocking(suite)

    @dg.asset_check(
        asset=dg.AssetKey(["raw", spec.table]),
        name=f"gx_{suite}",
        blocking=is_blocking,
        pool=DUCKDB_WRITERS,
        description=f"Great Expectations suite `{suite}`, generated from the feed's contract (FeedSpec "
        f"`{spec.table}`): required values, listed values, bounds, patterns, order of columns, unique "
        f"keys; {described(is_blocking)}.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        expectations = feed_suite(spec)
        columns = ", ".join(f'"{c}"' for c in suite_columns(expectations))
        with warehouse.connect(read_only=True) as con:
            df = con.sql(f"select {columns} from raw.{spec.table}").to_arrow_table().to_pandas()
        docs = gx_run_dir(warehouse.home_path, context.op_execution_context.run_id)
        outcome = run_suite(expectations, df, blocking=is_blocking, docs=docs)
        return gx_result(outcome, docs, rows=len(df))

    return _check


FEED_ASSETS = [feed_asset(spec) for spec in FEEDS]
RAW_GX_CHECKS = [raw_gx_check(spec) for spec in FEEDS]

# The bookkeeping tables every feed asset writes and the data-quality marts read (dbt sources).
OPS_TABLES = [
    dg.AssetSpec(
        key=dg.AssetKey(["ops", table]),
        group_name="ingestion",
        kinds={"duckdb"},
        owners=OWNERS,
        description=description,
    )
    for table, description in [
        (
            "file_register",
            "`ops.file_register`: every delivered file's version, sha256, outcome and row counts, "
            "written by every feed asset.",
        ),
        (
            "ingestion_findings",
            "`ops.ingestion_findings`: every file's warnings and refusals (check, message, "
            "rows affected), written by every feed asset.",
        ),
    ]
]
