"""The team configuration end to end, through `insight-hub ui` as deployed: Dagster's storage on
PostgreSQL, the serving database, alerts to a (local stand-in for a) Teams channel. The nightly job
launched from the UI's GraphQL publishes and is loaded into the serving database; a second run
launched meanwhile waits in the queue (the one-run guard on the shared storage); a failed run posts
a Teams card from the daemon; the run history survives a restart of the webserver and the daemon."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import psycopg
import pytest

from ingestion.layout import Layout
from orchestration.ingestion import days_to_run, range_tags
from orchestration.operations.alerts import TEAMS_VARIABLE
from orchestration.resources import DAGSTER_STORAGE_VARIABLE
from publication import serving
from publication.release import current_release

sys.path.append(str(Path(__file__).resolve().parents[2] / "e2e"))
from ui_starts import (  # noqa: E402
    CLI,
    LAUNCH,
    LOCATIONS,
    STATUS,
    graphql,
    start_ui,
    stop_ui,
    wait_until_ready,
)

pytestmark = pytest.mark.slow

TERMINATE = "mutation($id: String!) { terminateRun(runId: $id) { __typename } }"
RUNS = "{ runsOrError { ... on Runs { results { runId status } } } }"
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


class TeamsChannel:
    """An HTTP server on 127.0.0.1 standing in for a Teams Workflows URL: the cards posted to it."""

    def __init__(self) -> None:
        self.cards: list[dict] = []
        cards = self.cards

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                cards.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/workflows/insight-hub"

    def texts(self) -> list[str]:
        return [
            "\n".join(block["text"] for block in card["attachments"][0]["content"]["body"])
            for card in self.cards
        ]


def wait_for(predicate, limit: float, every: float = 2):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    return predicate()


def test_the_team_configuration_through_the_ui(tmp_path, dagster_storage_url, serving_url):
    home = tmp_path / "home"
    teams = TeamsChannel()
    env = {
        DAGSTER_STORAGE_VARIABLE: dagster_storage_url,
        "INSIGHT_HUB_SERVING_URL": serving_url,
        TEAMS_VARIABLE: teams.url,
    }
    launch_env = {**os.environ, **env, "INSIGHT_HUB_HOME": str(home)}
    subprocess.run(
        [*CLI, "simulate", "--scale", "0.01", "--days", "35", "--defects", "0"], env=launch_env, check=True
    )
    ui, port, log = start_ui(home, env=env)
    try:
        assert wait_until_ready(ui, log), log.read_text()[-3000:]
        (location,) = [
            e["name"]
            for e in graphql(port, LOCATIONS)["workspaceOrError"]["locationEntries"]
            if e["loadStatus"] == "LOADED"
        ]
        days = [{"key": k, "value": v} for k, v in range_tags(days_to_run(home)).items()]

        def launch() -> str:
            launched = graphql(port, LAUNCH, {"location": location, "tags": days}, timeout=180)["launchRun"]
            assert launched["__typename"] == "LaunchRunSuccess", launched
            return launched["run"]["runId"]

        def status(run_id: str) -> str:
            return graphql(port, STATUS, {"id": run_id})["runOrError"]["status"]

        first, second = launch(), launch()
        # One run at a time on the shared storage: while the first runs, the second waits queued.
        assert wait_for(lambda: status(first) in ("STARTING", "STARTED", *FINISHED), 300)
        assert status(first) not in FINISHED and status(second) == "QUEUED"
        assert graphql(port, TERMINATE, {"id": second})["terminateRun"]["__typename"] == "TerminateRunSuccess"
        assert wait_for(lambda: status(first) in FINISHED, 1500, every=5)  # minutes in CI; more under load
        assert status(first) == "SUCCESS", log.read_text()[-3000:]
        assert wait_for(lambda: status(second) == "CANCELED", 60)

        release = current_release(Layout(home).published.root)
        with psycopg.connect(serving_url) as conn:
            assert serving.current(conn) == release  # the publish step loaded and switched it
        # The daemon's success summary reaches Teams as a card, from the storage in PostgreSQL.
        assert wait_for(lambda: any(f"published {release}" in t for t in teams.texts()), 300), teams.texts()

        # A run that fails (the warehouse file replaced by a folder) posts a failure card.
        warehouse = Layout(home).warehouse
        shutil.move(warehouse, warehouse.with_name("kept.duckdb"))
        warehouse.mkdir()
        failed = launch()
        assert wait_for(lambda: status(failed) in FINISHED, 600, every=3)
        assert status(failed) == "FAILURE"
        alerted = f"Run {failed} of job nightly_refresh failed"
        assert wait_for(lambda: any(alerted in text for text in teams.texts()), 300), teams.texts()
    finally:
        stopped = stop_ui(ui)
        teams.server.shutdown()
    assert stopped == (0, []), log.read_text()[-3000:]

    with psycopg.connect(dagster_storage_url) as conn:
        runs = dict(conn.execute("select run_id, status from runs"))
        assert runs == {first: "SUCCESS", second: "CANCELED", failed: "FAILURE"}
        assert conn.execute("select count(*) from instigators").fetchone()[0] > 0  # schedule and sensors
    assert not (Layout(home).dagster_home / "history").exists()  # nothing in SQLite

    # The history survives a restart of the webserver and the daemon.
    ui, port, log = start_ui(home, env=env)
    try:
        assert wait_until_ready(ui, log), log.read_text()[-3000:]
        seen = {r["runId"]: r["status"] for r in graphql(port, RUNS)["runsOrError"]["results"]}
        assert seen == {first: "SUCCESS", second: "CANCELED", failed: "FAILURE"}
    finally:
        stopped = stop_ui(ui)
    assert stopped == (0, []), log.read_text()[-3000:]
