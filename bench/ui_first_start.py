"""First starts of `insight-hub ui` on fresh data roots while another process keeps every core busy
(issue 23: the first start used to race three processes creating one Dagster storage).

Usage: .venv/bin/python bench/ui_first_start.py [--starts 20]

Each start: a new, empty INSIGHT_HUB_HOME under bench/cache/ui_first_start/ (no Dagster storage,
no dbt manifest), a process spinning one busy loop per core, then `insight-hub ui` until it says
ready (or exits); the webserver's GraphQL must then show every code location loaded and the
nightly job; SIGTERM to the command alone must stop it with exit 0 and leave none of its processes
running. Writes bench/results/ui_first_start_<date>.json; exits 1 unless every start succeeded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
from pathlib import Path

from recording import machine, record

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from ui_starts import cpu_load, first_start  # noqa: E402 (after the path is set)

RACE = "has more than one head present"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()
    root = REPO / "bench" / "cache" / "ui_first_start"
    shutil.rmtree(root, ignore_errors=True)
    starts = []
    for i in range(args.starts):
        home = root / f"home{i:02d}"
        with cpu_load():
            seen = first_start(home)
            load = round(os.getloadavg()[0], 2)
        ok = (
            seen["ready_s"] is not None
            and set(seen["locations"].values()) == {"LOADED"}
            and seen["nightly_job"]
            and seen["exit_code"] == 0
            and not seen["left_running"]
        )
        starts.append(
            {
                "ok": ok,
                "ready_s": seen["ready_s"],
                "locations": seen["locations"],
                "nightly_job": seen["nightly_job"],
                "exit_code": seen["exit_code"],
                "left_running": seen["left_running"],
                "storage_race_seen": RACE in seen["output"],
                "load_average_1m": load,
            }
        )
        if not ok:
            (root / f"home{i:02d}.failed.log").write_text(seen["output"])
        print(f"start {i + 1}: {starts[-1]}", flush=True)
        result = summary(starts, args.starts)
        out = record("ui_first_start", result)  # after every start: a stopped run keeps what it saw
    print(f"{result['succeeded']} of {result['of']} first starts ready; ready_s {result['ready_s']}")
    print(f"written to {out.relative_to(REPO)}")
    return 0 if result["succeeded"] == args.starts else 1


def summary(starts: list[dict], planned: int) -> dict:
    ready = [s["ready_s"] for s in starts if s["ready_s"] is not None]
    return {
        "benchmark": "ui_first_start",
        "date": dt.date.today().isoformat(),
        "starts": starts,
        "succeeded": sum(s["ok"] for s in starts),
        "of": len(starts),
        "planned": planned,
        "ready_s": {
            "min": min(ready, default=None),
            "median": statistics.median(ready) if ready else None,
            "max": max(ready, default=None),
        },
        "cpu_load": "one busy-loop process per core for the whole of each start",
        "machine": machine(),
    }


if __name__ == "__main__":
    sys.exit(main())
