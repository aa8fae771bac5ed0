"""First starts of `insight-hub ui` on fresh data roots, and a process that keeps every core busy.

Used by tests/e2e/test_ui.py and bench/ui_first_start.py. A start is judged from outside: the
command's own "ready" line, then the webserver's GraphQL (every code location loaded, the nightly
job listed), then SIGTERM to the command alone, which must stop every process it started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil

CLI = [sys.executable, "-m", "cli"]
NIGHTLY_JOB = "nightly_refresh"
LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on RepositoryLocation { repositories { jobs { name } } } } } } } }"""
# The nightly job launched as the UI's Launch button does, and a run's status.
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
# Busy loops in child processes (one per core) of one process group, so the GIL does not cap them.
BURN = """
import multiprocessing, os, time
def spin():
    while True:
        pass
if __name__ == "__main__":
    for _ in range(os.cpu_count()):
        multiprocessing.Process(target=spin).start()
    time.sleep(10**9)
"""


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


@contextmanager
def cpu_load() -> Iterator[subprocess.Popen]:
    """Keep every core busy for the duration (another process, as other work on the machine)."""
    burner = subprocess.Popen([sys.executable, "-c", BURN], start_new_session=True)
    try:
        yield burner
    finally:
        os.killpg(burner.pid, signal.SIGKILL)
        burner.wait(timeout=30)


def start_ui(
    home: Path, limit: float = 600, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, int, Path]:
    """`insight-hub ui` on `home` and a free port, in its own process group, output in <home>/ui.log."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = home / "ui.log"
    with log.open("w") as out:
        ui = subprocess.Popen(
            [*CLI, "ui", "--port", str(port), "--wait", str(limit)],
            env={**os.environ, **(env or {}), "INSIGHT_HUB_HOME": str(home)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ui, port, log


def wait_until_ready(ui: subprocess.Popen, log: Path, limit: float = 600) -> bool:
    """Wait for the command's "ready" line; False if it exits first (or never says it)."""
    deadline = time.monotonic() + limit + 120  # the command's own --wait, plus its start-up
    while ui.poll() is None and time.monotonic() < deadline:
        if "ui: ready" in log.read_text():
            return True
        time.sleep(0.5)
    return "ui: ready" in log.read_text()


def stop_ui(ui: subprocess.Popen) -> tuple[int | None, list[int]]:
    """SIGTERM to the command alone (it must stop what it started): its exit code and the pids of
    its process group still running 30 s after it exited (those are then killed)."""
    code, left = None, []
    try:
        if ui.poll() is None:
            ui.send_signal(signal.SIGTERM)
        code = ui.wait(timeout=180)
        left = _group_after(ui.pid, grace=30)
    finally:
        if ui.poll() is None or left:
            with suppress(ProcessLookupError):  # never leave a server behind a failed start
                os.killpg(ui.pid, signal.SIGKILL)
            ui.wait(timeout=60)
    return code, left


def first_start(home: Path, limit: float = 600, env: dict[str, str] | None = None) -> dict:
    """Start `insight-hub ui` on `home` (a fresh data root), wait for it to say ready or to exit,
    check the loaded location and its jobs over GraphQL, then stop it with SIGTERM to it alone.

    Returns what was seen: seconds to ready, the locations' states, whether the nightly job is
    listed, the command's exit code, processes it started still running after it exited, and its
    output.
    """
    started = time.monotonic()
    ui, port, log = start_ui(home, limit, env)
    seen: dict = {"ready_s": None, "locations": {}, "nightly_job": False}
    try:
        if wait_until_ready(ui, log, limit):
            seen["ready_s"] = round(time.monotonic() - started, 1)
            entries = graphql(port, LOCATIONS)["workspaceOrError"]["locationEntries"]
            seen["locations"] = {e["name"]: e["loadStatus"] for e in entries}
            seen["nightly_job"] = any(
                job["name"] == NIGHTLY_JOB
                for e in entries
                if e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
                for repository in e["locationOrLoadError"]["repositories"]
                for job in repository["jobs"]
            )
    finally:
        seen["exit_code"], seen["left_running"] = stop_ui(ui)
    seen["output"] = log.read_text()
    return seen


def _group_after(pgid: int, grace: float) -> list[int]:
    """The processes still in process group `pgid` (the command's: its children inherit it) once
    they have had `grace` seconds to stop."""
    deadline = time.monotonic() + grace
    while True:
        members = []
        for process in psutil.process_iter():
            with suppress(psutil.Error, ProcessLookupError):
                if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                    members.append(process.pid)
        if not members or time.monotonic() > deadline:
            return members
        time.sleep(0.5)
