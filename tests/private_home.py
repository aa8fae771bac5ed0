"""The Dagster definitions as the tests load them, and jobs run in-process on a home of a test's own.

The definitions read the data root when a run starts (INSIGHT_HUB_HOME): a test that changes its
world's warehouse and releases runs the same assets, checks and jobs with INSIGHT_HUB_HOME pointed
at a private home. A run of the nightly job takes the days of the daily files waiting in landing,
as the schedule would, unless the test names a day.
"""

import functools
from pathlib import Path

import dagster as dg
import pytest

from ingestion.layout import Layout
from orchestration.definitions import load_definitions
from orchestration.ingestion import days_to_run, range_tags
from orchestration.warehouse import prepare_manifest


@functools.cache
def definitions() -> dg.Definitions:
    """The definitions, loaded as every entry point loads them: dbt's manifest prepared first."""
    prepare_manifest(Layout.from_env())
    return load_definitions()


def run_job(
    home: Path,
    job_name: str,
    monkeypatch: pytest.MonkeyPatch,
    extra_jobs: tuple = (),  # jobs of the test's own (define_asset_job)
    instance: dg.DagsterInstance | None = None,
    partition_key: str | None = None,
) -> dg.ExecuteInProcessResult:
    """Run `job_name` in-process on `home`'s warehouse (failures are in the result, not raised)."""
    defs = definitions()
    monkeypatch.setenv("INSIGHT_HUB_HOME", str(home))
    private = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[*defs.jobs, *extra_jobs],
        executor=dg.in_process_executor,
        resources=defs.resources,
    )
    job = private.resolve_job_def(job_name)
    days = range_tags(days_to_run(home)) if job.partitions_def and partition_key is None else {}
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        partition_key=partition_key,
        tags=days,
    )
