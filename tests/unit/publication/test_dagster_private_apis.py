"""The Dagster internals the release gate relies on (docs/publication.md, "Dagster internals the
gate relies on"), pinned to the dagster version in pyproject.toml. Each test fails when an upgrade
moves or changes one, before the gate silently judges by something else."""

import ast
import re
from pathlib import Path

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

REPO = Path(__file__).resolve().parents[3]
FINGERPRINT = "fingerprint"
GRAPH_SEEN: dict[str, object] = {}


@dg.asset
def table() -> None:
    return None


@dg.asset_check(asset=table, blocking=True)
def judged(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={FINGERPRINT: "abc"})


@dg.asset_check(asset=table)
def advisory() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False)


@dg.asset(deps=[table])
def release(context: dg.AssetExecutionContext) -> None:
    """What orchestration/publication.py (declared_checks) reads from the run's asset graph."""
    graph = context.job_def.asset_layer.asset_graph
    keys = graph.get_check_keys_for_assets({table.key})
    GRAPH_SEEN.update({key.name: graph.get(key).blocking for key in keys})


def test_the_pinned_dagster_is_the_one_installed():
    pinned = re.search(r'"dagster==([\d.]+)"', (REPO / "pyproject.toml").read_text()).group(1)
    assert dg.__version__ == pinned


def test_only_succeeded_and_failed_evaluations_count_as_completed():
    assert {
        AssetCheckExecutionRecordStatus.SUCCEEDED,
        AssetCheckExecutionRecordStatus.FAILED,
    } == COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    assert AssetCheckExecutionRecordStatus.PLANNED not in COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES


def test_the_instance_returns_each_checks_latest_evaluation_with_its_outcome_metadata_and_run():
    instance = dg.DagsterInstance.ephemeral()
    first = dg.materialize([table, judged, advisory], instance=instance)
    second = dg.materialize([table, judged, advisory], instance=instance)
    judged_key = dg.AssetCheckKey(table.key, "judged")
    advisory_key = dg.AssetCheckKey(table.key, "advisory")
    storage = instance.event_log_storage

    latest = storage.get_latest_asset_check_execution_by_key([judged_key, advisory_key])
    record = latest[judged_key]
    assert isinstance(record, AssetCheckExecutionRecord)
    assert record.status in COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    assert record.run_id == record.event.run_id == second.run_id
    assert record.evaluation.passed is True and record.evaluation.metadata[FINGERPRINT].value == "abc"
    assert record.evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert isinstance(record.event.timestamp, float)
    assert latest[advisory_key].status == AssetCheckExecutionRecordStatus.FAILED
    assert latest[advisory_key].evaluation.passed is False

    history = storage.get_asset_check_execution_history(
        judged_key, limit=1, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    )
    assert [r.run_id for r in history] == [second.run_id]  # newest first
    older = storage.get_asset_check_execution_history(judged_key, limit=5)
    assert [r.run_id for r in older] == [second.run_id, first.run_id]


def test_the_runs_check_evaluations_are_read_from_its_event_log():
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([table, judged], instance=instance)
    entries = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluation = entries[0].dagster_event.event_specific_data
    assert isinstance(evaluation, dg.AssetCheckEvaluation)
    assert (evaluation.asset_key, evaluation.check_name, evaluation.blocking) == (table.key, "judged", True)


def test_an_asset_sees_the_checks_declared_in_its_runs_asset_graph_and_whether_they_block():
    GRAPH_SEEN.clear()
    dg.materialize([table, judged, advisory, release], instance=dg.DagsterInstance.ephemeral())
    assert GRAPH_SEEN == {"judged": True, "advisory": False}


def test_a_check_result_is_copied_with_new_metadata_by_replace():
    """orchestration/warehouse.py adds the fingerprint to each dbt test result with `_replace`."""
    result = dg.AssetCheckResult(asset_key=table.key, check_name="judged", passed=True, metadata={"a": 1})
    copied = result._replace(metadata={**result.metadata, FINGERPRINT: dg.MetadataValue.text("abc")})
    assert isinstance(copied, dg.AssetCheckResult)
    assert (copied.asset_key, copied.check_name, copied.passed) == (table.key, "judged", True)
    assert set(copied.metadata) == {"a", FINGERPRINT}


def test_every_private_dagster_import_of_the_code_is_named_in_the_docs():
    docs = (REPO / "docs" / "publication.md").read_text()
    imported = set()
    for folder in ("orchestration", "cli", "publication", "expectations", "ingestion", "identity"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dagster._"):
                    imported |= {f"{node.module}.{alias.name}" for alias in node.names}
                elif isinstance(node, ast.Import):
                    imported |= {a.name for a in node.names if a.name.startswith("dagster._")}
    assert imported, "no private import found: the scan no longer sees the code"
    undocumented = sorted(name for name in imported if f"`{name}`" not in docs)
    assert undocumented == []
