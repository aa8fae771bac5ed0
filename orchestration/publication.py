"""The publish asset: write-audit-publish of the `bi` tables into a release (publication/).

Its upstream `bi` assets carry the gate (dbt tests of severity error, GX suites: gate.py). The
asset does not rely on the run's step order: whatever started it (the nightly job, `insight-hub
publish`, a Materialize of the release alone, a re-execution, a Python call), it looks up in the
Dagster instance the latest evaluation of every check declared on every `bi` asset and publishes
only if every blocking one passed on exactly the content being published (publication/gate.py).
"""

import contextlib
import json
import os
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    AssetCheckExecutionRecord,
)

from expectations.runner import docs_index, prune_docs
from identity.resolution import model_path
from ingestion import register
from ingestion.layout import Release
from orchestration.gate import DAILY_FEED_TABLES, gx_run_dir
from orchestration.operations.freshness import RELEASE_FRESHNESS
from orchestration.policy import DUCKDB_WRITERS, OWNERS, TRANSIENT_RETRY, columns_failed
from orchestration.resources import WarehouseResource
from orchestration.restatements import RESTATEMENTS
from publication.audiences import AudienceError, AudiencePlan, RestrictedAccess
from publication.completeness import daily_feed_days, ended_months, missing_days, reporting_date
from publication.fingerprint import FINGERPRINT_METADATA_KEY
from publication.gate import ReleaseRefused
from publication.release import (
    ReleaseInputs,
    build_release,
    current_release,
    discard_release,
    prune_releases,
    switch_current,
)
from publication.serving_cluster import serving_url
from publication.transparency import publish_transparency_files

KEEP_GX_RUNS = 30
RELEASE_KEY = dg.AssetKey(["publication", "release"])


def declared_checks(
    context: dg.AssetExecutionContext, bi_assets: list[dg.AssetKey], known: list[dg.AssetCheckSpec]
) -> dict[dg.AssetCheckKey, bool]:
    """Every check declared on a `bi` asset, blocking or not.

    The checks the definitions know (`known`: dbt tests, GX suites) and any other the run's asset
    graph declares: a Python call of the release asset alone still knows every dbt test and GX suite.
    """
    bi = set(bi_assets)
    declared = {spec.key: spec.blocking for spec in known if spec.asset_key in bi}
    graph = context.job_def.asset_layer.asset_graph
    for key in graph.get_check_keys_for_assets(bi):
        declared[key] = graph.get(key).blocking
    return declared


def latest_evaluations(
    instance: dg.DagsterInstance, keys: list[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, AssetCheckExecutionRecord]:
    """The latest completed evaluation of each check in any run (a check only planned is skipped)."""
    storage = instance.event_log_storage
    latest = dict(storage.get_latest_asset_check_execution_by_key(keys))
    for key in keys:
        if key in latest and latest[key].status in COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES:
            continue
        history = storage.get_asset_check_execution_history(
            key, limit=1, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
        )
        latest[key] = history[0] if history else None
    return {key: record for key, record in latest.items() if record is not None}


def gate_checks(
    context: dg.AssetExecutionContext, bi_assets: list[dg.AssetKey], known: list[dg.AssetCheckSpec]
) -> list[dict]:
    """Each declared check of the `bi` assets with its latest evaluation (what the gate judges by),
    then the checks this run evaluated on other assets (raw suites, row conservation: the record)."""
    declared = declared_checks(context, bi_assets, known)
    records = latest_evaluations(context.instance, sorted(declared, key=lambda k: k.to_user_string()))
    checks = [
        _check_entry(key, blocking, records.get(key))
        for key, blocking in sorted(declared.items(), key=lambda item: item[0].to_user_string())
    ]
    for entry in context.instance.all_logs(
        context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ):
        evaluation = entry.dagster_event.event_specific_data
        key = dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name)
        if key not in declared:
            checks.append(_check_entry(key, bool(evaluation.blocking), None, evaluation, entry))
    return checks


def _check_entry(
    key: dg.AssetCheckKey,
    blocking: bool,
    record: AssetCheckExecutionRecord | None,
    evaluation: dg.AssetCheckEvaluation | None = None,
    entry: dg.EventLogEntry | None = None,
) -> dict:
    """One check as the gate and the manifest read it: its outcome and the content it judged."""
    entry = entry or (record.event if record else None)
    evaluation = evaluation or (record.evaluation if record else None)
    fingerprint = evaluation.metadata.get(FINGERPRINT_METADATA_KEY) if evaluation else None
    return {
        "asset": key.asset_key.to_user_string(),
        "check": key.name,
        "blocking": blocking,
        "passed": evaluation.passed if evaluation else None,
        "severity": evaluation.severity.value if evaluation else None,
        "fingerprint": fingerprint.value if fingerprint else None,
        "failed_columns": columns_failed(evaluation) if evaluation else [],
        "run_id": entry.run_id if entry else None,
        "evaluated_at": datetime.fromtimestamp(entry.timestamp, UTC).isoformat(timespec="seconds")
        if entry
        else None,
    }


def release_asset(
    bi_assets: list[dg.AssetKey], known_checks: list[dg.AssetCheckSpec], dbt_manifest: Path
) -> dg.AssetsDefinition:
    """The publish step over the published tables `bi_assets`, gated by every check on them
    (`known_checks`: the dbt tests and GX suites the definitions declare, and any in the run's graph);
    `dbt_manifest`, the manifest the definitions were built from, says which audience's set each table
    goes to (dbt meta.audience) and gives the serving database its descriptions and grains."""
    audiences = AudiencePlan.from_manifest(json.loads(dbt_manifest.read_text(encoding="utf-8")))

    @dg.asset(
        key=RELEASE_KEY,
        group_name="publication",
        kinds={"duckdb", "parquet", "tableau"},
        owners=OWNERS,
        deps=bi_assets,
        pool=DUCKDB_WRITERS,
        retry_policy=TRANSIENT_RETRY,
        freshness_policy=RELEASE_FRESHNESS,
        description="A new immutable release of every `bi` table under published/releases/, one set per "
        "audience (internal at the root, open/, restricted/ for owner or group only; DuckDB, Parquet, "
        "Tableau Hyper, manifest, transparency files), verified, then `current` switched to it atomically. "
        "Publishes only if every blocking check of every `bi` table passed on exactly the content published "
        "(each check's latest evaluation in any run, bound to the table's fingerprint).",
    )
    def release(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        home = warehouse.home_path
        with warehouse.connect(read_only=True) as con:
            sources = register.latest_loaded_files(con)
            as_of = reporting_date(con)
            ended = ended_months(con)
            missing = missing_days(daily_feed_days(con, DAILY_FEED_TABLES, as_of)) if as_of else []
        checks = gate_checks(context, bi_assets, known_checks)
        docs = gx_run_dir(home, context.run_id)
        try:
            restricted = RestrictedAccess.from_env()
        except AudienceError as error:  # a setting to fix, not a transient failure
            raise dg.Failure(description=str(error), allow_retries=False) from None
        inputs = ReleaseInputs(
            run_id=context.run_id,
            source_files=sources,
            checks=checks,
            versions={
                name: version(name)
                for name in (
                    "insight-hub",
                    "dbt-core",
                    "dbt-duckdb",
                    "dagster",
                    "duckdb",
                    "great-expectations",
                )
            },
            reporting_date=as_of,
            ended_months=ended,
            completeness={"daily_feeds": DAILY_FEED_TABLES, "missing": missing},
            data_docs=str(docs_index(docs)) if docs.exists() else None,
            # The trained Splink model (settings, m and u probabilities; no records), once identity ran.
            attachments=tuple(p for p in (model_path(home),) if p.is_file()),
            audiences=audiences,
            restricted=restricted,
        )
        published = warehouse.layout.published
        try:
            folder = build_release(warehouse.layout.warehouse, published.root, inputs)
        except ReleaseRefused as refused:
            # Not transient: a retry would refuse the same content again.
            raise dg.Failure(
                description=str(refused),
                metadata={"unmet_checks": dg.MetadataValue.json(refused.problems)},
                allow_retries=False,
            ) from None
        except AudienceError as error:  # a group that cannot be honoured
            raise dg.Failure(description=str(error), allow_retries=False) from None
        built = json.loads(Release(folder).manifest.read_text(encoding="utf-8"))
        # The team deployment (docs/deployment.md): the release also loaded into the serving database
        # before anything switches, and its stable schemas switched after the files; either failing
        # fails the publish with the previous release current in both.
        url = serving_url()
        previous = current_release(published.root)
        try:
            if url:
                from publication import serving  # the PostgreSQL driver, in the team configuration only

                serving.load(url, folder, dict(audiences.docs))
            switch_current(published.root, folder.name)
            if url:
                serving.switch(url, folder.name)
        except BaseException:
            if current_release(published.root) == folder.name:  # the serving switch failed: undo
                if previous:
                    switch_current(published.root, previous)
                else:
                    published.current.unlink()
            discard_release(published.root, folder.name)  # a failed publish leaves no release behind
            if url:
                with contextlib.suppress(Exception):  # the publish's own error is the one to report
                    serving.discard(url, folder.name)
            raise
        transparency = publish_transparency_files(folder, published.transparency)
        keep = int(os.environ.get("INSIGHT_HUB_KEEP_RELEASES", "7"))
        pruned = prune_releases(published.root, keep=keep)
        if url:
            from publication import serving

            serving.prune(url, keep=keep)
        prune_docs(docs.parent, keep=KEEP_GX_RUNS)
        return dg.MaterializeResult(
            metadata={
                "release_id": folder.name,
                "path": dg.MetadataValue.path(str(folder)),
                "tables_by_audience": dg.MetadataValue.json(
                    {audience: sorted(s["tables"]) for audience, s in built["audiences"].items()}
                ),
                # Publication by difference: the tables whose files came from the previous release.
                "files_reused_from": built["reuse"]["from"] or "",
                "tables_reused_by_audience": dg.MetadataValue.json(
                    {audience: sorted(tables) for audience, tables in built["reuse"]["tables"].items()}
                ),
                "reporting_date": as_of.isoformat() if as_of else "",
                "source_files": len(sources),
                "checks_recorded": len(checks),
                "blocking_checks_passed": sum(bool(c["blocking"]) for c in checks),
                "missing_daily_files": len(missing),
                "transparency_files_written": transparency,
                "data_docs": dg.MetadataValue.path(str(docs_index(docs))),
                "pruned_releases": pruned,
            }
        )

    return release


# `insight-hub publish`: the gate (every check on the `bi` tables) and the publish step, without
# ingesting or rebuilding any mart but bi.restatements, which says what this release restates
# against the release `current` points at now, so it is recomputed (the restatements step, then
# its dbt model) on the very tables being published.
BI_TABLES = dg.AssetSelection.key_prefixes("bi")
RESTATED = dg.AssetSelection.assets(RESTATEMENTS, dg.AssetKey(["bi", "restatements"]))
publish_release = dg.define_asset_job(
    "publish_release",
    selection=dg.AssetSelection.assets(RELEASE_KEY) | RESTATED | (BI_TABLES - BI_TABLES.without_checks()),
    description="Gate the current `bi` tables (dbt tests, GX suites), recompute bi.restatements against "
    "the current release, and publish them as a new release.",
)
