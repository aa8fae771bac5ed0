"""Benchmark how fast the operators' tools come up (targets: definitions load under 10 s; the
webserver answers within 30 s of `insight-hub ui`).

Usage: .venv/bin/python bench/ui_start.py [--runs 3]

Each run, in a fresh process: load the definitions (`load_definitions()`: what the webserver's code
server, the daemon and every CLI run do first; the dbt manifest is already built), then start
`insight-hub ui` on a free port and poll its GraphQL endpoint until it answers and until the code
location has loaded. The home is a throw-away folder under bench/cache/. Writes
bench/results/ui_start_<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from recording import machine, record

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
TARGETS = {"definitions_load_s": 10, "webserver_answer_s": 30}
LOAD = "from orchestration.definitions import load_definitions; load_definitions()"
LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"


def load_seconds(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", LOAD],
        env=env,
        cwd=REPO,
        check=True,
    )
    return time.monotonic() - started


def ui_seconds(env: dict[str, str], limit: float = 180) -> tuple[float, float]:
    """Seconds until the webserver first answers, and until the code location is loaded."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    ui = subprocess.Popen(
        [sys.executable, "-m", "cli", "ui", "--port", str(port)],
        env=env,
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    answered = loaded = None
    try:
        while loaded is None and time.monotonic() - started < limit:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql",
                data=json.dumps({"query": LOCATIONS}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    entries = json.loads(response.read())["data"]["workspaceOrError"]["locationEntries"]
            except OSError:
                time.sleep(0.25)
                continue
            answered = answered or time.monotonic() - started
            if any(e["loadStatus"] == "LOADED" for e in entries):
                loaded = time.monotonic() - started
            time.sleep(0.25)
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        ui.wait(timeout=60)
    if loaded is None:
        raise SystemExit(f"the webserver did not load the code location within {limit} s")
    return answered, loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    home = BENCH / "cache" / "ui_start"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home)}
    # The entry point prepares the home (dbt's manifest, the Dagster storage): not what is timed.
    subprocess.run([sys.executable, "-m", "cli", "prepare"], env=env, cwd=REPO, check=True)
    runs = []
    for i in range(args.runs):
        load = load_seconds(env)
        answered, loaded = ui_seconds(env)
        runs.append(
            {
                "definitions_load_s": round(load, 1),
                "webserver_answer_s": round(answered, 1),
                "code_location_loaded_s": round(loaded, 1),
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
        print(f"run {i + 1}: {runs[-1]}", flush=True)
    worst = {name: max(r[name] for r in runs) for name in TARGETS}
    result = {
        "benchmark": "ui_start",
        "date": dt.date.today().isoformat(),
        "runs": runs,
        "worst": worst,
        "targets": TARGETS,
        "within_targets": all(worst[name] < TARGETS[name] for name in TARGETS),
        "machine": machine(),
    }
    out = record("ui_start", result)
    print(f"worst: {worst} (targets {TARGETS}); written to {out.relative_to(REPO)}")
    return 0 if result["within_targets"] else 1


if __name__ == "__main__":
    sys.exit(main())
