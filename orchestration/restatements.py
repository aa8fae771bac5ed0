"""The restatements step (group `quality`): the KPI marts just built against the previous release.

Wiring only: publication.restatements does the work. It runs after the `bi` KPI marts and before
the dbt model `bi.restatements`, which publishes the `ops.restatements` table it writes (the dbt
source `ops.restatements` names this asset, as identity's tables are named by the `identity`
source): Dagster runs the dbt build in two steps around it. The previous release is the one
`current` points at while this release is built; its DuckDB file is attached read-only. A
restatement larger than the materiality setting is a warning check, reported by the alerts.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from ingestion import register
from ingestion.layout import Release, sql_path
from orchestration.policy import DUCKDB_WRITERS, OWNERS, TRANSIENT_RETRY
from orchestration.resources import WarehouseResource
from publication.descriptions import docs_from_dbt
from publication.release import current_manifest
from publication.restatements import KPI_PREFIX, TABLE, material, per_table, write_restatements

RESTATEMENTS = dg.AssetKey(["ops", "restatements"])
MATERIALITY_VARIABLE = "INSIGHT_HUB_RESTATEMENT_MATERIALITY"
DEFAULT_MATERIALITY = 1000.0
PREVIOUS = "previous_release"


def materiality() -> float:
    """The size above which a restatement is material (docs/operations.md): a number in each KPI
    column's own unit (pounds for money, which is what it is meant for)."""
    text = os.environ.get(MATERIALITY_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MATERIALITY
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses NaN
        raise dg.Failure(
            description=f"{MATERIALITY_VARIABLE}={text!r} is not a number >= 0 (e.g. 1000 for £1,000)",
            allow_retries=False,
        )
    return value


def restatements_asset(bi_assets: list[dg.AssetKey], dbt_manifest: Path) -> dg.AssetsDefinition:
    """The restatements step over the KPI marts among `bi_assets`; `dbt_manifest` gives each mart's
    grain and the raw tables it is built from."""
    docs = docs_from_dbt(json.loads(dbt_manifest.read_text(encoding="utf-8")))
    kpis = [key for key in bi_assets if key.path[1].startswith(KPI_PREFIX)]

    @dg.asset(
        key=RESTATEMENTS,
        deps=[*kpis, dg.AssetKey(["ops", "file_register"])],
        group_name="quality",
        kinds={"python", "duckdb"},
        owners=OWNERS,
        pool=DUCKDB_WRITERS,
        retry_policy=TRANSIENT_RETRY,
        description=f"`{TABLE}`: KPI cells of months closed at the previous release whose value "
        "differs from that release, with the source files loaded since that touch the month and "
        "their cause (publication/restatements.py); published by the dbt model bi.restatements.",
        check_specs=[
            dg.AssetCheckSpec(
                "material_restatements",
                asset=RESTATEMENTS,
                blocking=False,
                description=f"No restated KPI cell moved by more than {MATERIALITY_VARIABLE} "
                f"(default {DEFAULT_MATERIALITY:,.0f}, in the column's unit); warning.",
            )
        ],
    )
    def restatements(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """Compare the KPI marts' closed months with the previous release; write ops.restatements."""
        threshold = materiality()
        layout = warehouse.layout
        previous = current_manifest(layout.published.root)
        with warehouse.connect() as con:
            if previous:
                database = Release(layout.published.current).database.resolve()
                con.execute(f"attach '{sql_path(database)}' as {PREVIOUS} (read_only)")
            try:
                files = register.loaded_since(con, previous["source_files"]) if previous else []
                count = write_restatements(con, PREVIOUS if previous else None, previous, docs, files)
                tables = per_table(con, TABLE)
                above = material(con, threshold)
            finally:
                if previous:
                    con.execute(f"detach {PREVIOUS}")
        yield dg.MaterializeResult(
            metadata={
                "previous_release": previous["release_id"] if previous else "none (first release)",
                "closed_before": (previous or {}).get("reporting_date") or "",
                "restated_cells": count,
                "restated_cells_by_table": dg.MetadataValue.json(tables),
                "files_loaded_since": dg.MetadataValue.json(
                    [f"{f['file_name']} (version {f['version']})" for f in files][:100]
                ),
            }
        )
        yield dg.AssetCheckResult(
            check_name="material_restatements",
            passed=not above,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "materiality": threshold,
                "material_cells_by_table": dg.MetadataValue.json(above),
                "previous_release": previous["release_id"] if previous else "none (first release)",
            },
        )

    return restatements
