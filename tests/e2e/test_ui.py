"""`insight-hub ui` serves the Dagster UI on 127.0.0.1, and the nightly job launched through its
GraphQL API (as the UI's Launchpad does, over the days waiting in landing) runs to success."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from orchestration.partitions import days_to_run, range_tags

pytestmark = pytest.mark.slow

LAUNCH = """
mutation($location: String!, $tags: [ExecutionTag!]) {
  launchRun(executionParams: {
    selector: {
      repositoryLocationName: $location, repositoryName: "__repository__", jobName: "nightly_refresh"
    }
    executionMetadata: {tags: $tags}
  }) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""
STATUS = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())["data"]


def test_ui_answers_and_runs_the_nightly_job(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home)}
    cli = [sys.executable, "-m", "orchestration.cli"]
    subprocess.run(
        [*cli, "simulate", "--scale", "0.01", "--days", "35", "--defects", "0"], env=env, check=True
    )
    port = free_port()
    started = time.monotonic()
    ui = subprocess.Popen([*cli, "ui", "--port", str(port)], env=env, start_new_session=True)
    try:
        location = None
        while time.monotonic() - started < 120 and location is None:
            try:
                entries = graphql(port, LOCATIONS)["workspaceOrError"]["locationEntries"]
                location = next((e["name"] for e in entries if e["loadStatus"] == "LOADED"), None)
            except OSError:
                pass
            time.sleep(1)
        assert location is not None, "the webserver did not answer within 120 s"

        # The daily feeds' days, as the Launchpad sends them when a range of partitions is chosen.
        days = [{"key": k, "value": v} for k, v in range_tags(days_to_run(home)).items()]
        # Launching builds the execution plan of ~300 steps in the code server: slow on a busy machine.
        launched = graphql(port, LAUNCH, {"location": location, "tags": days}, timeout=180)["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        status = None
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and status not in ("SUCCESS", "FAILURE", "CANCELED"):
            time.sleep(3)
            status = graphql(port, STATUS, {"id": run_id})["runOrError"]["status"]
        assert status == "SUCCESS"
        assert (home / "published" / "current" / "manifest.json").exists()
    finally:
        os.killpg(ui.pid, 15)
        ui.wait(timeout=60)
