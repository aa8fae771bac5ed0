"""The nightly schedule fired by the Dagster daemon with Dagster's storage on PostgreSQL (issue 22):
`insight-hub ui` as deployed, the schedule's cron overridden at launch (INSIGHT_HUB_NIGHTLY_CRON,
every minute) so a tick comes within a minute; the tick and the run it created are in PostgreSQL."""

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from ingestion.layout import Layout
from orchestration.operations.schedule import CRON_VARIABLE, SCHEDULE_NAME
from orchestration.resources import DAGSTER_STORAGE_VARIABLE

sys.path.append(str(Path(__file__).resolve().parents[2] / "e2e"))
from ui_starts import CLI, STATUS, graphql, start_ui, stop_ui, wait_until_ready  # noqa: E402

pytestmark = pytest.mark.slow

TERMINATE = "mutation($id: String!) { terminateRun(runId: $id) { __typename } }"
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")
SCHEDULED_RUNS = """
select r.run_id, r.status from runs r join run_tags t on t.run_id = r.run_id
where t.key = 'dagster/schedule_name' and t.value = %s order by r.id
"""


def wait_for(predicate, limit: float, every: float = 2):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    return predicate()


def test_the_nightly_schedule_fires_on_postgresql_storage(tmp_path, dagster_storage_url):
    home = tmp_path / "home"
    env = {DAGSTER_STORAGE_VARIABLE: dagster_storage_url, CRON_VARIABLE: "* * * * *"}
    launch_env = {**os.environ, **env, "INSIGHT_HUB_HOME": str(home)}
    subprocess.run(
        [*CLI, "simulate", "--scale", "0.01", "--days", "3", "--defects", "0"], env=launch_env, check=True
    )

    def scheduled() -> list[tuple[str, str]]:
        with psycopg.connect(dagster_storage_url) as conn:
            return conn.execute(SCHEDULED_RUNS, [SCHEDULE_NAME]).fetchall()

    ui, port, log = start_ui(home, env=env)
    try:
        assert wait_until_ready(ui, log), log.read_text()[-3000:]
        # The daemon's scheduler: the next minute's tick, then its run (queued, then launched).
        assert wait_for(scheduled, 300, every=3), log.read_text()[-3000:]
        run_id = scheduled()[0][0]  # the first tick's (a later minute's may be queued behind it)

        # The run itself is the nightly job's (shown end to end in test_team_deployment.py): stop it.
        def status() -> str:
            return graphql(port, STATUS, {"id": run_id})["runOrError"]["status"]

        def terminated() -> bool:
            """Ask until the run is canceling: a run still STARTING cannot be terminated yet."""
            now = status()
            if now not in (*FINISHED, "CANCELING"):
                graphql(port, TERMINATE, {"id": run_id})
            return now in FINISHED

        assert wait_for(terminated, 300, every=5), status()
    finally:
        stopped = stop_ui(ui)
    assert stopped == (0, []), log.read_text()[-3000:]

    with psycopg.connect(dagster_storage_url) as conn:
        runs = conn.execute(SCHEDULED_RUNS, [SCHEDULE_NAME]).fetchall()
        assert runs[0][0] == run_id and runs[0][1] in FINISHED  # later minutes' runs may follow it
        ticks = conn.execute(
            "select status, tick_body from job_ticks where type = 'SCHEDULE' and status = 'SUCCESS'"
        ).fetchall()
        assert any(run_id in body for _, body in ticks), ticks
        job = conn.execute("select run_body from runs where run_id = %s", [run_id]).fetchone()[0]
        assert '"pipeline_name": "nightly_refresh"' in job  # Dagster's serialised run keeps the old name
    assert not (Layout(home).dagster_home / "history").exists()  # nothing in SQLite
