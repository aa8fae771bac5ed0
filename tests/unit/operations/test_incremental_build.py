"""The nightly dbt build's arguments: --full-refresh when the incremental models' state says so
(orchestration/warehouse.py)."""

import copy
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse import dbt_build_args, full_refresh_reason, project_digest

MANIFEST = {
    "metadata": {"project_name": "insight_hub"},
    "nodes": {
        "model.insight_hub.fct_spend": {
            "unique_id": "model.insight_hub.fct_spend",
            "package_name": "insight_hub",
            "resource_type": "model",
            "alias": "fct_spend",
            "checksum": {"name": "sha256", "checksum": "a1"},
            "config": {"materialized": "incremental", "unique_key": ["line"]},
            "columns": {"line": {"name": "line", "data_type": "varchar"}},
        },
        "model.insight_hub.kpi_spend_monthly": {
            "unique_id": "model.insight_hub.kpi_spend_monthly",
            "package_name": "insight_hub",
            "resource_type": "model",
            "alias": "kpi_spend_monthly",
            "checksum": {"name": "sha256", "checksum": "b2"},
            "config": {"materialized": "table"},
            "columns": {},
        },
        "seed.insight_hub.directorates": {
            "unique_id": "seed.insight_hub.directorates",
            "package_name": "insight_hub",
            "resource_type": "seed",
            "alias": "directorates",
            "checksum": {"name": "sha256", "checksum": "c3"},
            "config": {"materialized": "seed"},
            "columns": {},
        },
    },
    "macros": {
        "macro.insight_hub.latest_version": {
            "unique_id": "macro.insight_hub.latest_version",
            "package_name": "insight_hub",
            "macro_sql": "{% macro latest_version() %}select 1{% endmacro %}",
        },
        "macro.dbt.is_incremental": {
            "unique_id": "macro.dbt.is_incremental",
            "package_name": "dbt",
            "macro_sql": "{% macro is_incremental() %}{% endmacro %}",
        },
    },
}


def _state(warehouse: Path, digest: str | None) -> None:
    """The state dbt's post-hook leaves (macros/incremental.sql), for fct_spend; None: no table."""
    con = duckdb.connect(str(warehouse))
    try:
        if digest is not None:
            con.execute("create schema ops")
            con.execute(
                "create table ops.dbt_incremental_state (model varchar, digest varchar, raw_table varchar, "
                "source_file varchar, file_sha256 varchar, row_count bigint)"
            )
            con.execute(
                "insert into ops.dbt_incremental_state values ('fct_spend', ?, null, null, null, null)",
                [digest],
            )
    finally:
        con.close()


def test_the_digest_changes_with_a_model_a_seed_or_a_macro_of_the_project_only():
    digest = project_digest(MANIFEST)
    changes = [
        ("nodes", "model.insight_hub.fct_spend", "checksum", {"name": "sha256", "checksum": "a9"}),
        ("nodes", "model.insight_hub.kpi_spend_monthly", "checksum", {"name": "sha256", "checksum": "b9"}),
        ("nodes", "seed.insight_hub.directorates", "checksum", {"name": "sha256", "checksum": "c9"}),
        (
            "macros",
            "macro.insight_hub.latest_version",
            "macro_sql",
            "{% macro latest_version() %}2{% endmacro %}",
        ),
    ]
    for kind, node, field, value in changes:
        changed = copy.deepcopy(MANIFEST)
        changed[kind][node][field] = value
        assert project_digest(changed) != digest, (node, field)
    dbt_macro_changed = copy.deepcopy(MANIFEST)
    dbt_macro_changed["macros"]["macro.dbt.is_incremental"]["macro_sql"] = "changed"
    assert project_digest(dbt_macro_changed) == digest


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("no warehouse", "no warehouse yet"),
        (None, "no incremental state (first build, or a warehouse rebuilt from archive)"),
        ("other digest", "the project's models, seeds or macros changed since fct_spend were built"),
        ("current", None),
    ],
)
def test_full_refresh_is_chosen_when_the_state_is_missing_or_the_project_changed(tmp_path, state, reason):
    warehouse = tmp_path / "warehouse.duckdb"
    if state != "no warehouse":
        _state(warehouse, project_digest(MANIFEST) if state == "current" else state)
    assert full_refresh_reason(warehouse, MANIFEST) == reason


def test_a_model_without_state_is_rebuilt_whole(tmp_path):
    more = copy.deepcopy(MANIFEST)
    more["nodes"]["model.insight_hub.kpi_spend_monthly"]["config"]["materialized"] = "incremental"
    warehouse = tmp_path / "warehouse.duckdb"
    _state(warehouse, project_digest(more))  # fct_spend built with this code, kpi_spend_monthly never
    assert full_refresh_reason(warehouse, more) == "no incremental state of kpi_spend_monthly"


def test_the_build_is_full_only_when_asked_and_passes_no_vars():
    assert dbt_build_args(full_refresh=False) == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args(full_refresh=True)[-1] == "--full-refresh"
    assert "--vars" not in dbt_build_args(full_refresh=True)  # vars that change force a full parse
