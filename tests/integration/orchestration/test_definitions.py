"""The Dagster definitions load, and the graph is wired as the design says."""

import dagster as dg
from private_home import definitions


def test_definitions_load_with_the_nightly_job_and_schedule():
    defs = definitions()
    job = defs.resolve_job_def("nightly_refresh")
    assert job is not None
    schedule = defs.resolve_schedule_def("nightly_refresh_0200")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"


def test_assets_are_grouped_by_layer():
    graph = definitions().resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups["raw/ibc_pa0001"] == "ingestion"
    assert groups["staging/stg_ibc__hr_assignments"] == "staging"
    assert groups["bi/kpi_workforce_monthly"] == "marts"
    assert groups["publication/release"] == "publication"
    assert groups["bi/data_quality_summary"] == "quality"
    assert groups["restricted/customer_xref"] == "identity"
    assert groups["ops/file_register"] == "ingestion"
    assert groups["ops/governance_log"] == "governance"
    assert groups["ops/csc_staffing"] == "forecast"
    assert set(groups.values()) == {
        "ingestion",
        "staging",
        "intermediate",
        "marts",
        "identity",
        "quality",
        "publication",
        "governance",
        "forecast",
    }


def test_publish_depends_on_every_bi_table_and_bi_tables_have_blocking_checks():
    graph = definitions().resolve_asset_graph()
    release = dg.AssetKey(["publication", "release"])
    bi_tables = {k for k in graph.get_all_asset_keys() if k.path[0] == "bi"}
    assert bi_tables and bi_tables <= graph.get(release).parent_keys
    checks = graph.asset_check_keys
    gated = {c.asset_key for c in checks if graph.get_check_spec(c).blocking}
    assert dg.AssetKey(["bi", "kpi_workforce_monthly"]) in gated
    assert (
        dg.AssetCheckKey(dg.AssetKey(["bi", "kpi_workforce_monthly"]), "gx_kpi_workforce_monthly") in checks
    )
    # The gate's generic rules on every bi table (blocking), closed-month shifts on KPI tables (warning).
    blocking = {c for c in checks if graph.get_check_spec(c).blocking}
    assert {dg.AssetCheckKey(k, f"gx_{k.path[1]}") for k in bi_tables} <= blocking
    shifts = {c for c in checks if c.name.startswith("closed_months_")}
    assert {c.asset_key.path[1] for c in shifts} == {
        k.path[1] for k in bi_tables if k.path[1].startswith("kpi_")
    }
    assert not shifts & blocking


def test_restatements_sit_between_the_kpi_marts_and_their_published_model_with_one_dbt_build():
    """ops/restatements reads the KPI marts (after their gate) and feeds bi.restatements, built by a
    dbt step of its own: no cycle, so Dagster splits neither the main dbt build nor the gate."""
    defs = definitions()
    graph = defs.resolve_asset_graph()
    restated = dg.AssetKey(["ops", "restatements"])
    parents = graph.get(restated).parent_keys
    assert dg.AssetKey(["bi", "kpi_spend_monthly"]) in parents
    assert graph.get(dg.AssetKey(["bi", "restatements"])).parent_keys >= {restated}
    check = dg.AssetCheckKey(restated, "material_restatements")
    assert check in graph.asset_check_keys and not graph.get_check_spec(check).blocking
    job = defs.resolve_job_def("nightly_refresh")
    steps = {inv.alias or inv.name for inv in job.graph.dependencies}
    assert {"dbt_models", "dbt_models_restatements", "ops__restatements"} <= steps
    assert not {s for s in steps if s.startswith(("dbt_models_", "published_tables_gate_"))} - {
        "dbt_models_restatements",
        "published_tables_gate_restatements",
    }
