"""The dbt project as Dagster assets: one translator for keys and groups, and the dbt build asset.

Asset keys are `[schema, model]` (e.g. `bi/kpi_workforce_monthly`); groups follow the dbt
folder (staging, intermediate, marts; marts/quality is the group quality). dbt tests of
severity error become blocking checks; each test's result carries the fingerprint of the `bi`
table it judged (publication/fingerprint.py), so the publish step can tell whether it judged the
content being published.
"""

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from ingestion.layout import HOME_VARIABLE, Layout
from orchestration.policy import DUCKDB_WRITERS, OWNERS, failed_columns
from orchestration.resources import DBT_PROJECT_DIR, WarehouseResource
from publication.fingerprint import FINGERPRINT_METADATA_KEY, table_fingerprint

# The dbt of this environment, whether or not the venv is activated (PATH may not have it).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


class ManifestMissing(RuntimeError):
    """The definitions were loaded before an entry point prepared dbt's manifest."""


def dbt_project(layout: Layout) -> DbtProject:
    """The dbt project, its target folder (and so its manifest) under the data root `layout` names."""
    return DbtProject(project_dir=DBT_PROJECT_DIR, target_path=layout.dbt_target)


def prepare_manifest(layout: Layout) -> Path:
    """Build manifest.json with `dbt parse` when it is missing or older than the project's files.

    Entry points call this before loading the definitions, which only read the manifest (the CLI,
    the tests' conftest; under `dagster dev`, the code location's load, as dagster-dbt's
    `prepare_if_dev` does): importing `orchestration.definitions` runs nothing.
    """
    manifest = dbt_project(layout).manifest_path
    newest_source = max(
        p.stat().st_mtime
        for p in DBT_PROJECT_DIR.rglob("*")
        if p.is_file() and p.suffix in {".sql", ".yml", ".yaml", ".csv", ".md"}
    )
    layout.dbt_prepare_lock.parent.mkdir(parents=True, exist_ok=True)
    with layout.dbt_prepare_lock.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one parse at a time; a waiting load then finds it current
        if not manifest.exists() or manifest.stat().st_mtime < newest_source:
            dbt_resource(str(layout.home)).cli(["parse", "--quiet"], target_path=layout.dbt_target).wait()
    return manifest


class InsightHubDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two start-up costs of every `dbt.cli(...)` call.

    - The dbt version: dagster-dbt runs `dbt --version` in a subprocess (about 1.7 CPU-s, and it
      asks PyPI for the latest release); DBT_EXECUTABLE is this environment's dbt, so its version
      is the installed dbt-core package's.
    - The in-process dbt adapter (about 1.5 CPU-s: profile, project and macros loaded): dagster-dbt
      needs it only to fetch row counts or column metadata, which these assets do not ask for.

    It also takes the data root at launch (`home`, from INSIGHT_HUB_HOME when a run starts): dbt's
    artifacts and logs of each invocation go under that root, never under a root seen earlier.
    """

    home: str

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    def cli(
        self,
        args: Sequence[str],
        *,
        context: dg.AssetExecutionContext | dg.OpExecutionContext | None = None,
        target_path: Path | None = None,
        **kwargs: Any,
    ) -> DbtCliInvocation:
        """dbt in a subprocess, its target and log folders under this resource's data root.

        dbt's profile reads the warehouse path from INSIGHT_HUB_HOME in the environment dbt
        inherits: a different root there would build another warehouse than the run's, so refuse.
        """
        home = Path(self.home).resolve()
        inherited = os.environ.get(HOME_VARIABLE)
        if inherited is None or Path(inherited).resolve() != home:
            raise RuntimeError(
                f"dbt would build the warehouse of {HOME_VARIABLE}={inherited} while this run's data "
                f"root is {home}: launch the run with {HOME_VARIABLE} set to its data root"
            )
        if target_path is None:
            invocation = (
                f"{context.op_execution_context.op.name}-{context.run.run_id[:8]}-" if context else ""
            )
            target_path = Layout(home).dbt_target / f"{invocation}{uuid.uuid4().hex[:7]}"
        # dagster-dbt points DBT_LOG_PATH at the target folder; the layout keeps logs apart, in a
        # folder of the same name under dbt/logs (dbt's --log-path wins over the variable).
        layout = Layout(home)
        logs = layout.dbt_logs
        if target_path.is_relative_to(layout.dbt_target):
            logs = logs / target_path.relative_to(layout.dbt_target)
        return super().cli(
            [*args, "--log-path", str(logs)], context=context, target_path=target_path, **kwargs
        )


def dbt_resource(home: str) -> DbtCliResource:
    """dbt's CLI on the data root `home` (a path, or dg.EnvVar(HOME_VARIABLE) read at launch)."""
    return InsightHubDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=DBT_EXECUTABLE,
        home=home,
    )


class InsightHubDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "staging"
        fqn = dbt_resource_props.get("fqn", [])
        if fqn[1:3] == ["marts", "quality"]:  # the data-quality summary and the transparency file
            return "quality"
        return fqn[1] if len(fqn) > 2 else None

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return OWNERS


TRANSLATOR = InsightHubDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


# Models published from a Python step's table in the middle of the graph, each built by a dbt step
# of its own after that step, so the main build stays one step. Inside the main dbt asset they would
# make a cycle between it and the step, which Dagster breaks by splitting the build into several
# dbt invocations (whose eager tests then read models of a later invocation).
RESTATEMENTS_MODEL = "restatements"  # orchestration/restatements.py
FORECAST_MARTS = "tag:forecast"  # orchestration/forecast.py


def dbt_models_asset(project: DbtProject) -> dg.AssetsDefinition:
    """The dbt build as one asset, from the manifest an entry point prepared (`prepare_manifest`):
    every model but bi.restatements and the forecast marts (built after their Python steps)."""
    return _dbt_build_asset(project, "dbt_models", exclude=f"{RESTATEMENTS_MODEL} {FORECAST_MARTS}")


def restatements_model_asset(project: DbtProject) -> dg.AssetsDefinition:
    """bi.restatements and its tests, built after the restatements step wrote ops.restatements.

    A model of the main build depending on a Python asset that depends on the main build would be a
    cycle, which Dagster resolves by splitting the build (and the gate) into several steps, each a
    `dbt build` of its own: a second asset of one model keeps it to two."""
    return _dbt_build_asset(project, "dbt_models_restatements", select=RESTATEMENTS_MODEL)


def _dbt_build_asset(
    project: DbtProject, name: str, select: str = "fqn:*", exclude: str | None = None
) -> dg.AssetsDefinition:
    if not project.manifest_path.exists():
        raise ManifestMissing(
            f"no dbt manifest at {project.manifest_path}: the entry point prepares it before loading "
            "the definitions (`insight-hub prepare`, any insight-hub command that runs a job, `dagster dev`)"
        )

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=name,
        select=select,
        exclude=exclude,
        dagster_dbt_translator=TRANSLATOR,
        pool=DUCKDB_WRITERS,
    )
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        """Seeds, staging, intermediate and marts with their data tests, in dependency order.

        dbt's unit tests check the SQL logic on fixed inputs, not the night's data: as dbt advises,
        they run in CI (tests/integration/dbt builds with them), not in the nightly build.
        """
        manifest = json.loads(project.manifest_path.read_text())
        if reason := full_refresh_reason(warehouse.layout.warehouse, manifest):
            context.log.info(f"dbt build with --full-refresh: {reason}")
        args = dbt_build_args(full_refresh=reason is not None)
        invocation = dbt.cli(args, context=context, raise_on_error=False)
        yield from with_fingerprints(invocation.stream(), warehouse, manifest)
        if (error := invocation.get_error()) is not None:
            raise error

    return dbt_models


def dbt_forecast_marts_asset(project: DbtProject) -> dg.AssetsDefinition:
    """bi.csc_demand_forecast, bi.csc_staffing_requirement, bi.csc_forecast_accuracy and their tests,
    built after the forecast step (orchestration/forecast.py) wrote their sources."""
    return _dbt_build_asset(project, "dbt_forecast_marts", select=FORECAST_MARTS)


# The incremental models' state: written by dbt (macros/incremental.sql), only read here.
INCREMENTAL_STATE = "ops.dbt_incremental_state"


def project_digest(manifest: Mapping[str, Any]) -> str:
    """The digest dbt's `project_digest()` (macros/incremental.sql) stores with each incremental model:
    the project's models' and seeds' file checksums and its macros' SQL. When it differs from the
    one a model was built with, the models are rebuilt whole."""
    package = manifest["metadata"].get("project_name", "insight_hub")
    parts = [
        f"{n['unique_id']}:{n['checksum']['checksum']}"
        for n in manifest["nodes"].values()
        if n["package_name"] == package and n["resource_type"] in ("model", "seed")
    ]
    parts += [
        f"{m['unique_id']}:{hashlib.md5(m['macro_sql'].encode()).hexdigest()}"
        for m in manifest["macros"].values()
        if m["package_name"] == package
    ]
    return hashlib.md5("|".join(sorted(parts)).encode()).hexdigest()


def incremental_models(manifest: Mapping[str, Any]) -> list[str]:
    """The tables of the incremental models (their state is kept under this name)."""
    return sorted(
        n["alias"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
    )


def full_refresh_reason(warehouse: Path, manifest: Mapping[str, Any]) -> str | None:
    """Why the nightly build must be `--full-refresh` (every incremental model dropped and rebuilt,
    its columns from the new code), or None. The data-driven reasons (removed raw rows, new
    reference files) dbt judges per model itself (macros/incremental.sql)."""
    if not warehouse.exists():
        return "no warehouse yet"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        built = dict(
            con.execute(
                f"select model, min(digest) from {INCREMENTAL_STATE} where raw_table is null group by model"
            ).fetchall()
        )
    except duckdb.CatalogException:
        return "no incremental state (first build, or a warehouse rebuilt from archive)"
    finally:
        con.close()
    models = incremental_models(manifest)
    if missing := [m for m in models if m not in built]:
        return f"no incremental state of {', '.join(missing)}"
    digest = project_digest(manifest)
    if changed := [m for m in models if built[m] != digest]:
        return f"the project's models, seeds or macros changed since {', '.join(changed)} were built"
    return None


def dbt_build_args(full_refresh: bool) -> list[str]:
    """The nightly `dbt build`: unit tests left out; `--full-refresh` when full_refresh_reason says.

    No --vars: they would change from night to night, and dbt parses the whole project again when
    its vars change (partial parsing is what keeps the build's start short).
    """
    return ["build", "--exclude-resource-type", "unit_test", *(["--full-refresh"] if full_refresh else [])]


def bi_keys(*dbt_models: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The published (`bi`) tables among the dbt assets, in a stable order."""
    keys = (k for assets in dbt_models for k in assets.keys if k.path[0] == "bi")
    return sorted(keys, key=lambda k: k.to_user_string())


def with_fingerprints(
    events: Iterable[Any], warehouse: WarehouseResource, manifest: Mapping[str, Any]
) -> Iterator[Any]:
    """dbt's events, with the fingerprint of its `bi` table added to every test result, and to a
    failed one the columns its test names (from the `manifest` dbt ran), which a refusal repeats.

    dbt holds the warehouse until it exits (DuckDB has one writer process), so the test results
    wait for the end of the stream; every model is built once and never changed by a later node of
    the same build, so its fingerprint then is the fingerprint its tests judged.
    """
    results: list[dg.AssetCheckResult] = []
    for event in events:
        if isinstance(event, dg.AssetCheckResult) and event.asset_key and event.asset_key.path[0] == "bi":
            results.append(event)
        else:
            yield event
    if not results:
        return
    fingerprints: dict[dg.AssetKey, str] = {}
    with warehouse.connect(read_only=True) as con:
        for key in {r.asset_key for r in results}:
            with contextlib.suppress(LookupError):  # never built: the gate finds no fingerprint
                fingerprints[key] = table_fingerprint(con, ".".join(key.path))
    for result in results:
        if result.asset_key not in fingerprints:
            yield result
            continue
        yield result._replace(
            metadata={
                **result.metadata,
                FINGERPRINT_METADATA_KEY: dg.MetadataValue.text(fingerprints[result.asset_key]),
                **({} if result.passed else failed_columns(dbt_test_columns(manifest, result.metadata))),
            }
        )


def dbt_test_columns(manifest: Mapping[str, Any], metadata: Mapping[str, Any]) -> list[str]:
    """The columns the dbt test behind a check result names: its column, the columns of a grain
    test (macros/test_unique_combination.sql) or the measure a reconciliation test compares
    (macros/test_reconciles_by_month.sql); none for a table-level test such as expression_is_true."""
    unique_id = metadata.get("unique_id")
    node = manifest["nodes"].get(getattr(unique_id, "value", unique_id), {})
    kwargs = (node.get("test_metadata") or {}).get("kwargs", {})
    named = node.get("column_name") or kwargs.get("column_name") or kwargs.get("measure")
    columns = [named] if named else list(kwargs.get("combination") or [])
    return [str(c).strip('"') for c in columns]
