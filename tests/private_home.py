"""Run the project's jobs in-process on a home of a test's own.

The Dagster definitions are bound to the session's INSIGHT_HUB_HOME; a test that changes its
world's warehouse and releases runs the same assets, checks and jobs with the warehouse resource
(and dbt's environment) pointed at a private home instead. A run of the nightly job takes the days
of the daily files waiting in landing, as the schedule would, unless the test names a day.
"""

from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.partitions import days_to_run, range_tags
from orchestration.resources import WarehouseResource


def run_job(
    home: Path,
    job_name: str,
    monkeypatch: pytest.MonkeyPatch,
    extra_jobs: tuple = (),  # jobs of the test's own (define_asset_job)
    instance: dg.DagsterInstance | None = None,
    partition_key: str | None = None,
) -> dg.ExecuteInProcessResult:
    """Run `job_name` in-process on `home`'s warehouse (failures are in the result, not raised)."""
    for name, value in {
        "INSIGHT_HUB_HOME": str(home),
        "DBT_TARGET_PATH": str(home / "dbt" / "target"),
        "DBT_LOG_PATH": str(home / "dbt" / "logs"),
    }.items():
        monkeypatch.setenv(name, value)
    private = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[*defs.jobs, *extra_jobs],
        executor=dg.in_process_executor,
        resources={**defs.resources, "warehouse": WarehouseResource(home=str(home))},
    )
    job = private.resolve_job_def(job_name)
    days = range_tags(days_to_run(home)) if job.partitions_def and partition_key is None else {}
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        partition_key=partition_key,
        tags=days,
    )
