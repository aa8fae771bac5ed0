"""The gate's generic Great Expectations checks, directly upstream of the publish asset.

Every published (`bi`) table gets `gx_<table>`: the rules every published table meets
(expectations/gate.py: no sudden drop in rows against the current release, no personal data by
shape, by the values the restricted data holds, or by column name). One op evaluates them all, so
the known personal values are loaded once per run; it evaluates the checks the run selected.
`bi/data_quality_summary` also carries `feed_completeness`: every daily feed delivered up to the
reporting date. Blocking or warning by expectations/gate_policy.yml; a blocking check that fails
stops the publish asset. Each run's validation results and Data Docs go to
$INSIGHT_HUB_HOME/gx/runs/<run id>/, linked from every check's metadata. The declarative rules of
each table are dbt tests (the dbt YAML beside its model), which dagster-dbt turns into checks.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from expectations.gate import (
    closed_month_shifts,
    closed_month_suite,
    feed_completeness_suite,
    published_table_suite,
    table_profile,
)
from expectations.personal_data import load_known_values, personal_relations, scan_key
from expectations.runner import SuiteOutcome, docs_index, run_suite
from identity.governance import rows_removed_since
from ingestion import FEEDS
from ingestion.layout import Layout, Release, sql_path
from orchestration.policy import blocking, described, failed_columns, severity, table_blocking
from orchestration.resources import WarehouseResource, salt
from orchestration.warehouse import RESTATEMENTS_MODEL
from publication.completeness import daily_feed_days, missing_days, reporting_date
from publication.fingerprint import FINGERPRINT_METADATA_KEY, table_fingerprint
from publication.release import current_manifest

PREVIOUS = "previous_release"
DAILY_FEED_TABLES = sorted(spec.table for spec in FEEDS if spec.cadence == "daily")


def gx_run_dir(home: Path, run_id: str) -> Path:
    """Where a run's validation results and Data Docs live."""
    return Layout(home).gx_run(run_id)


def gx_result(
    outcome: SuiteOutcome,
    docs: Path,
    asset_key: dg.AssetKey | None = None,
    check_name: str | None = None,
    **metadata,
) -> dg.AssetCheckResult:
    """A suite's outcome as a check result: the one place every GX check result is built (the raw
    feeds' checks in orchestration/ingestion.py too)."""
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=outcome.success,
        severity=severity(outcome.blocking),
        metadata={
            **metadata,
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": dg.MetadataValue.json(outcome.failed),
            "data_docs": dg.MetadataValue.path(str(docs_index(docs))),
            "validation_page": dg.MetadataValue.url(outcome.docs_page or ""),
        },
    )


def _published_table_spec(table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        f"gx_{table}",
        asset=dg.AssetKey(["bi", table]),
        blocking=table_blocking(table),
        description="The rules of every published table (expectations/gate.py): rows against the current "
        "release, no direct identifiers by shape, by the personal values the restricted data holds, or by "
        f"column name; {described(table_blocking(table))}.",
    )


def _closed_months_spec(table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        f"closed_months_{table}",
        asset=dg.AssetKey(["bi", table]),
        blocking=blocking("closed_month_shifts"),
        description="KPI values of months closed at the previous release (ending before its reporting "
        "date) are as that release published them: changed cells and rows appeared or gone are "
        f"counted (expectations/gate.py); {described(blocking('closed_month_shifts'))}.",
    )


def published_tables_gate(
    bi: list[dg.AssetKey], name: str = "published_tables_gate"
) -> dg.AssetChecksDefinition:
    """The generic rules on every published table of the dbt project (`bi`), closed-month shifts on
    its KPI tables: one op, so the known personal values are loaded once per run."""
    tables = [key.path[1] for key in bi]

    @dg.multi_asset_check(
        specs=[
            *(_published_table_spec(table) for table in tables),
            *(_closed_months_spec(table) for table in tables if table.startswith("kpi_")),
        ],
        name=name,
        can_subset=True,
        description="The gate's generic rules on every published table, the known personal values "
        "loaded once.",
    )
    def _gate(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        yield from _published_tables_results(context, warehouse)

    return _gate


def _published_tables_results(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    layout = Layout(warehouse.home_path)
    published = layout.published.root
    previous = current_manifest(published)
    docs = gx_run_dir(warehouse.home_path, context.op_execution_context.run_id)
    key = scan_key(salt()[0])
    with warehouse.connect(read_only=True) as con:
        known = load_known_values(con, key, personal_relations(con, FEEDS))
        removed = rows_removed_since(con, datetime.fromisoformat(previous["created_at"])) if previous else {}
        if previous:
            # The release `current` points at, read-only: reading never changes a published file.
            release_db = Release(layout.published.current).database.resolve()
            con.execute(f"attach '{sql_path(release_db)}' as {PREVIOUS} (read_only)")
        for check in sorted(context.selected_asset_check_keys, key=lambda k: k.name):
            table = check.asset_key.path[1]
            # The content judged: the publish step publishes only what its blocking checks passed on.
            fingerprint = {FINGERPRINT_METADATA_KEY: table_fingerprint(con, f"bi.{table}")}
            if check.name.startswith("closed_months_"):
                yield _closed_months_result(con, check, table, previous, docs, fingerprint)
                continue
            previous_rows = previous["tables"].get(table, {}).get("rows") if previous else None
            # What the current release held less what erasures and retention removed since.
            removed_rows = removed.get(f"bi.{table}", 0)
            baseline = None if previous_rows is None else previous_rows - removed_rows
            profile, findings = table_profile(con, "bi", table, key)
            outcome = run_suite(
                published_table_suite(table, baseline),
                profile,
                blocking=table_blocking(table),
                docs=docs,
            )
            yield gx_result(
                outcome,
                docs,
                asset_key=check.asset_key,
                check_name=check.name,
                rows=int(profile["table_rows"].iloc[0]),
                rows_in_current_release=previous_rows,
                rows_removed_by_governance_since=removed_rows,
                known_personal_values=known,
                personal_data_findings=dg.MetadataValue.json(findings),
                **failed_columns(sorted({f["column"] for f in findings})),
                **fingerprint,
            )


def _closed_months_result(
    con: duckdb.DuckDBPyConnection,
    check: dg.AssetCheckKey,
    table: str,
    previous: dict,
    docs: Path,
    fingerprint: dict[str, str],
) -> dg.AssetCheckResult:
    """The closed-month shifts of a KPI table against the release `current` points at."""
    is_blocking = blocking("closed_month_shifts")
    if not previous or table not in previous["tables"]:
        return dg.AssetCheckResult(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=True,
            metadata={"reason": "no previous release of the table to compare with", **fingerprint},
        )
    shifts = closed_month_shifts(con, table, PREVIOUS, previous["reporting_date"])
    outcome = run_suite(closed_month_suite(table), shifts, blocking=is_blocking, docs=docs)
    changed = shifts[shifts["changed_cells"] > 0]
    return gx_result(
        outcome,
        docs,
        asset_key=check.asset_key,
        check_name=check.name,
        previous_release=previous["release_id"],
        closed_before=previous["reporting_date"],
        rows_appeared_or_gone=int(shifts["rows_appeared_or_gone"].max()) if len(shifts) else 0,
        changed_cells=dg.MetadataValue.json(
            dict(zip(changed["column_name"], map(int, changed["changed_cells"]), strict=True))
        ),
        **failed_columns(list(changed["column_name"])),
        **fingerprint,
    )


@dg.asset_check(
    asset=dg.AssetKey(["bi", "data_quality_summary"]),
    name="feed_completeness",
    blocking=blocking("feed_completeness"),
    description="Every daily feed delivered a file for every day up to the reporting date (dbt's "
    "int_reporting_date: the newest FI_ITEMS file loaded, never the wall clock); "
    f"{described(blocking('feed_completeness'))}.",
)
def feed_completeness(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        as_of = reporting_date(con)
        days = daily_feed_days(con, DAILY_FEED_TABLES, as_of) if as_of else []
        fingerprint = table_fingerprint(con, "bi.data_quality_summary")
    if as_of is None:
        return dg.AssetCheckResult(
            passed=False,
            severity=severity(blocking("feed_completeness")),
            metadata={
                "reason": "no file loaded yet: the release has no reporting date",
                FINGERPRINT_METADATA_KEY: fingerprint,
            },
        )
    docs = gx_run_dir(warehouse.home_path, context.op_execution_context.run_id)
    outcome = run_suite(
        feed_completeness_suite(),
        pd.DataFrame(days, columns=["table_name", "day", "status"]),
        blocking=blocking("feed_completeness"),
        docs=docs,
    )
    missing = missing_days(days)
    return gx_result(
        outcome,
        docs,
        reporting_date=as_of.isoformat(),
        missing_files=len(missing),
        missing=dg.MetadataValue.json(missing[:100]),
        **{FINGERPRINT_METADATA_KEY: fingerprint},
    )


def gate_checks(bi: list[dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    """The gate's GX checks on the published tables `bi` (the dbt project's, known when loading).

    bi/restatements is judged by an op of its own: it is built after the restatements step, which
    waits for the checks of the KPI marts it reads, so one op for both would be a cycle (Dagster
    would split every step of the graph that it can to resolve it, the dbt build among them).
    """
    restated = [key for key in bi if key.path[1] == RESTATEMENTS_MODEL]
    rest = [key for key in bi if key not in restated]
    gates = [published_tables_gate(rest)]
    if restated:
        gates.append(published_tables_gate(restated, "published_tables_gate_restatements"))
    return [*gates, feed_completeness]
