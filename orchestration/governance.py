"""The governance slice (group `governance`): the governance log, retention, and compaction.

Wiring only: identity.governance owns `ops.governance_log` (erasures, subject access requests,
retention actions, each with the OS user, the subject as a keyed hash and counts); the log asset
shows the actions per kind and the latest ones as metadata (the log holds no personal value, so
neither does the metadata). identity.retention applies the retention schedule before identity
resolution; after the release, releases built before a removal are withdrawn and the working
warehouse is compacted (identity.erasure).
"""

import dagster as dg

from identity import erasure, governance
from identity import retention as retention_schedule
from ingestion import redaction
from orchestration.policy import DUCKDB_WRITERS, OWNERS, TRANSIENT_RETRY
from orchestration.resources import WarehouseResource, salt

LATEST = 20


@dg.asset(
    key=dg.AssetKey(["ops", "governance_log"]),
    group_name="governance",
    kinds={"duckdb"},
    owners=OWNERS,
    description="`ops.governance_log`: every erasure, subject access request and retention action "
    "(when, OS user, action, subject as a keyed hash, counts); written by `insight-hub erase` and "
    "`subject-access` and by the retention asset.",
    pool=DUCKDB_WRITERS,
)
def governance_log(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Show the governance log: actions per kind and the latest entries (hashes and counts only)."""
    with warehouse.connect() as con:
        per_action, latest = governance.summary(con, LATEST)
    rows = [
        f"| {when:%Y-%m-%d %H:%M:%S} | {user} | {action} | `{(subject or '-')[:16]}` | {counts} |"
        for when, user, action, subject, counts, _details in latest
    ]
    table = "\n".join(
        ["| when | user | action | subject (keyed hash) | counts |", "|---|---|---|---|---|", *rows]
    )
    return dg.MaterializeResult(
        metadata={
            **{f"{action}_actions": dg.MetadataValue.int(n) for action, n in per_action.items()},
            "last_action_at": dg.MetadataValue.text(f"{latest[0][0]:%Y-%m-%d %H:%M:%S}" if rows else "none"),
            "latest": dg.MetadataValue.md(table if rows else "No governance action recorded yet."),
        }
    )


RETENTION = dg.AssetKey(["governance", "retention"])
RAW_PERSON_FEEDS = [dg.AssetKey(["raw", feed.spec.table]) for feed in redaction.PERSON_FEEDS]


@dg.asset(
    key=RETENTION,
    deps=RAW_PERSON_FEEDS,
    group_name="governance",
    kinds={"python", "duckdb"},
    owners=OWNERS,
    description="The retention schedule (identity/retention.yml) applied before identity resolution: "
    "records past their period removed from raw, restricted and identity tables and from the archive "
    "and quarantine copies (erasure's machinery), each data class's action in ops.governance_log.",
    pool=DUCKDB_WRITERS,
    retry_policy=TRANSIENT_RETRY,
)
def retention(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Remove what the schedule says is past its period (counts only in the metadata)."""
    with warehouse.connect() as con:
        as_of = retention_schedule.retention_day(con)  # None on the first build: nothing held long enough
        applied = retention_schedule.apply(con, warehouse.home_path, salt()[0], as_of) if as_of else []
    for a in applied:
        context.log.info(
            f"retention: {a.data_class}: {a.records} records before {a.cutoff} removed ({a.rows} rows)"
        )
    return dg.MaterializeResult(
        metadata={
            "as_of": dg.MetadataValue.text(as_of.isoformat() if as_of else "no reporting date yet"),
            "data_classes": dg.MetadataValue.int(len(retention_schedule.load())),
            "records_removed": dg.MetadataValue.int(sum(a.records for a in applied)),
            "rows_removed": dg.MetadataValue.int(sum(a.rows for a in applied)),
            "files_rewritten": dg.MetadataValue.int(sum(a.files_rewritten for a in applied)),
            "by_class": dg.MetadataValue.json({a.data_class: a.records for a in applied}),
        }
    )


@dg.asset(
    key=dg.AssetKey(["governance", "warehouse_compaction"]),
    deps=[dg.AssetKey(["publication", "release"])],
    group_name="governance",
    kinds={"duckdb"},
    owners=OWNERS,
    description="After the release: the releases built before the latest erasure or retention removal "
    "withdrawn, files and serving database schemas (they hold what was removed), and "
    "warehouse.duckdb compacted (COPY FROM DATABASE to a "
    "new file, then swapped) so deleted rows leave no bytes behind.",
    pool=DUCKDB_WRITERS,
    retry_policy=TRANSIENT_RETRY,
)
def warehouse_compaction(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Withdraw releases that hold removed records; rewrite the working warehouse with live data only."""
    with warehouse.connect() as con:
        removed_at = governance.last_removal(con)
    removal = removed_at.isoformat() if removed_at else "none"
    # The serving database's schemas of those releases every night (cheap): one a reader held
    # yesterday is dropped today.
    served, held = erasure.withdraw_served(erasure.release_id_at(removed_at)) if removed_at else ([], [])
    if held:
        context.log.warning(f"serving releases still held by a reader, withdrawn next night: {held}")
    serving = {
        "serving_schemas_dropped": dg.MetadataValue.int(len(served)),
        "serving_schemas_held": dg.MetadataValue.text(", ".join(held) or "-"),
    }
    if removed_at is None or removal == _last_compacted_for(context):
        # Nothing ever removed, or nothing since the last compaction: rewriting the whole warehouse
        # would cost a night's budget for no deleted byte.
        return dg.MaterializeResult(
            metadata={"compacted_for_removal_at": dg.MetadataValue.text(removal), **serving}
        )
    published = warehouse.layout.published.root
    withdrawn = erasure.withdraw_releases(published, erasure.release_id_at(removed_at)) if removed_at else []
    before, after = erasure.compact(warehouse.layout.warehouse)
    return dg.MaterializeResult(
        metadata={
            **serving,
            "compacted_for_removal_at": dg.MetadataValue.text(removal),
            "releases_withdrawn": dg.MetadataValue.int(len(withdrawn)),
            "withdrawn": dg.MetadataValue.text(", ".join(withdrawn) or "-"),
            "bytes_before": dg.MetadataValue.int(before),
            "bytes_after": dg.MetadataValue.int(after),
        }
    )


def _last_compacted_for(context: dg.AssetExecutionContext) -> str | None:
    """The removal the last compaction covered (its materialization's metadata), if any."""
    event = context.instance.get_latest_materialization_event(context.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get("compacted_for_removal_at")
    return value.value if value is not None else None
