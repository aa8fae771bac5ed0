"""End-to-end benchmark: full and incremental refresh at several scales, against the DuckDB floor.

Usage: .venv/bin/python bench/run.py [--scales 0.1 1 5] [--days 365] [--seed 1] [--label L]

For each scale: simulate a year once (cached in bench/cache/), copy its landing files into a fresh
home, run `insight-hub refresh` in a child process (wall time, peak RSS of the whole process tree,
per-stage times from the run's Dagster events, warehouse and release sizes), then deliver one more
day and refresh again (the incremental nightly run). Then the floor (bench/floor.py) on the same
files. Results: bench/results/run_<date>.json, the table in bench/README.md, bench/results/run_<date>.png.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from recording import machine, record

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from ingestion.layout import Layout  # noqa: E402

TARGETS = {
    "full_refresh_s": {1.0: 240, 5.0: 1200},
    "incremental_s": {1.0: 60},
    "peak_rss_mib": {5.0: 8192},
    "floor_ratio_max": {5.0: 3.0},
    "slope_max": 1.2,
}


def simulated(scale: float, start: dt.date, days: int, seed: int) -> Path:
    """Landing files and truth of a simulated year, built once per (scale, days, seed)."""
    from simulator import simulate

    cache = BENCH / "cache" / f"sim_s{scale}_d{days}_seed{seed}"
    if not (cache / "complete").exists():
        shutil.rmtree(cache, ignore_errors=True)
        began = time.perf_counter()
        simulate(cache, scale=scale, start=start, days=days, seed=seed, defects=0.01)
        (cache / "complete").write_text(f"{time.perf_counter() - began:.1f}\n")
    return cache


def stage_of(step_key: str) -> str:
    """The benchmark stage a Dagster step belongs to."""
    if step_key.startswith("raw__") and "_gx_" not in step_key:
        return "ingestion"
    if step_key.startswith("dbt_models"):
        return "dbt"
    if step_key == "customer_resolution":
        return "identity"
    if step_key.startswith("publication__"):
        return "publish"
    return "gate"


class TreeMemory(threading.Thread):
    """Samples the resident memory of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            self.stopped.wait(0.2)


def stage_seconds(home: Path, runs_back: int = 0) -> dict[str, float]:
    """Seconds per stage of a run of `home` (0 = the latest), from its Dagster step events."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(Layout(home).dagster_home)
    with dg.DagsterInstance.from_config(str(Layout(home).dagster_home)) as instance:
        run = instance.get_runs(limit=runs_back + 1)[runs_back]
        starts, stages = {}, {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                stage = stage_of(event.step_key)
                stages[stage] = stages.get(stage, 0.0) + record.timestamp - starts.pop(event.step_key)
    return stages


def refresh(home: Path, code: Path = ROOT, command: str = "refresh") -> dict:
    """One `insight-hub refresh` (or `command`, e.g. publish) in a child process: wall time, peak tree
    RSS, per-stage seconds. `code`: the source tree whose code runs (first on the child's sys.path)."""
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home), "INSIGHT_HUB_SALT": "bench-salt"}
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "cli", command, "--quiet"],
        env=env,
        cwd=code,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    memory = TreeMemory(child.pid)
    memory.start()
    output, _ = child.communicate()
    wall = time.perf_counter() - began
    memory.stopped.set()
    memory.join()
    if child.returncode != 0:
        raise RuntimeError(f"{command} failed ({child.returncode}):\n{output[-3000:]}")

    stages = stage_seconds(home)
    release = Layout(home).published.current
    return {
        "wall_s": round(wall, 1),
        "peak_rss_mib": round(memory.peak / 2**20),
        "stages_s": {k: round(v, 1) for k, v in sorted(stages.items())},
        "warehouse_mib": round((Layout(home).warehouse).stat().st_size / 2**20, 1),
        "release_mib": round(
            sum(p.stat().st_size for p in release.resolve().rglob("*") if p.is_file()) / 2**20, 1
        ),
    }


def identity_floor(home: Path):
    """Splink run directly on the pipeline's own person records: the identity stage's floor."""
    import duckdb

    def run(_floor_con) -> None:
        from identity import linkage, records

        con = duckdb.connect(str(Layout(home).warehouse), read_only=True)
        try:
            records.build(con)
            table = con.sql("select * from identity_records").to_arrow_table()
        finally:
            con.close()
        linkage.resolve(table)

    return run


def measure(scale: float, start: dt.date, days: int, seed: int) -> dict:
    from floor import run_floor

    from simulator import simulate

    cache = simulated(scale, start, days, seed)
    home = BENCH / "cache" / f"home_s{scale}"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(Layout(cache).landing, Layout(home).landing)
    full = refresh(home)
    landing_bytes = sum(f.stat().st_size for f in (Layout(cache).landing).rglob("*") if f.is_file())
    simulate(home, scale=scale, start=start + dt.timedelta(days=days), days=1, seed=seed, defects=0.01)
    incremental = refresh(home)
    floor = run_floor(Layout(cache).landing, BENCH / "cache" / f"floor_s{scale}", identity_floor(home))
    floor_total = sum(floor["stages"].values())
    stage_ratio = {}
    for stage, floor_stage in (
        ("ingestion", "ingestion"),
        ("dbt", "transformation"),
        ("identity", "identity"),
        ("publish", "publish"),
    ):
        if full["stages_s"].get(stage) and floor["stages"].get(floor_stage):
            stage_ratio[stage] = round(full["stages_s"][stage] / floor["stages"][floor_stage], 2)
    return {
        "scale": scale,
        "days": days,
        "landing_mib": round(landing_bytes / 2**20, 1),
        "raw_rows": sum(floor["raw_rows"].values()),
        "full": full,
        "incremental": incremental,
        "floor_s": {k: round(v, 1) for k, v in floor["stages"].items()},
        "floor_total_s": round(floor_total, 1),
        "ratio_to_floor": round(full["wall_s"] / floor_total, 2),
        "stage_ratio_to_floor": stage_ratio,
    }


def slopes(results: list[dict]) -> dict:
    """Log-log slope of time against raw rows between the smallest and largest scale, per stage."""
    if len(results) < 2:
        return {}
    a, b = results[0], results[-1]
    span = math.log(b["raw_rows"] / a["raw_rows"])
    out = {"end_to_end": round(math.log(b["full"]["wall_s"] / a["full"]["wall_s"]) / span, 2)}
    for stage, seconds in b["full"]["stages_s"].items():
        if a["full"]["stages_s"].get(stage):
            out[stage] = round(math.log(seconds / a["full"]["stages_s"][stage]) / span, 2)
    return out


def verdicts(results: list[dict], slope: dict) -> list[str]:
    """Each target met or missed, naming the stage that bounds a miss."""
    lines = []
    for r in results:
        s, full = r["scale"], r["full"]
        slowest = max(full["stages_s"], key=full["stages_s"].get)
        if s in TARGETS["full_refresh_s"]:
            limit = TARGETS["full_refresh_s"][s]
            ok = full["wall_s"] < limit
            lines.append(
                f"scale {s} full refresh {full['wall_s']} s vs < {limit} s: "
                f"{'met' if ok else f'MISSED, slowest stage {slowest}'}"
            )
        if s in TARGETS["incremental_s"]:
            limit = TARGETS["incremental_s"][s]
            inc = r["incremental"]
            inc_slowest = max(inc["stages_s"], key=inc["stages_s"].get)
            lines.append(
                f"scale {s} incremental {inc['wall_s']} s vs < {limit} s: "
                f"{'met' if inc['wall_s'] < limit else f'MISSED, slowest stage {inc_slowest}'}"
            )
        if s in TARGETS["peak_rss_mib"]:
            limit = TARGETS["peak_rss_mib"][s]
            lines.append(
                f"scale {s} peak RSS {full['peak_rss_mib']} MiB vs < {limit}: "
                f"{'met' if full['peak_rss_mib'] < limit else 'MISSED'}"
            )
        if s in TARGETS["floor_ratio_max"]:
            limit = TARGETS["floor_ratio_max"][s]
            worst = max(r["stage_ratio_to_floor"], key=r["stage_ratio_to_floor"].get, default="-")
            lines.append(
                f"scale {s} ratio to floor {r['ratio_to_floor']} vs <= {limit}: "
                f"{'met' if r['ratio_to_floor'] <= limit else f'MISSED, worst stage {worst}'}"
            )
    if slope:
        worst = max((k for k in slope if k != "end_to_end"), key=slope.get, default="-")
        lines.append(
            f"scaling slope {slope['end_to_end']} vs <= {TARGETS['slope_max']}: "
            f"{'met' if slope['end_to_end'] <= TARGETS['slope_max'] else f'MISSED, steepest stage {worst}'}"
        )
    return lines


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    scales = [r["scale"] for r in results]
    for stage in sorted({s for r in results for s in r["full"]["stages_s"]}):
        ax.plot(
            scales, [r["full"]["stages_s"].get(stage, float("nan")) for r in results], marker="o", label=stage
        )
    ax.plot(scales, [r["full"]["wall_s"] for r in results], marker="s", color="black", label="end to end")
    ax.plot(scales, [r["floor_total_s"] for r in results], linestyle="--", color="grey", label="DuckDB floor")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("scale (1.0 = one Oxfordshire-sized county, one year)")
    ax.set_ylabel("seconds (full refresh)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0, 5.0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 4, 1))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--label", default="", help="results go to run_<label>_<date>.* (a partial re-run)")
    args = ap.parse_args()

    results = []
    for scale in sorted(args.scales):
        print(f"bench: scale {scale} ...", flush=True)
        results.append(measure(scale, args.start, args.days, args.seed))
        print(json.dumps(results[-1], indent=1), flush=True)
    slope = slopes(results)
    today = dt.date.today().isoformat()
    report = {
        "benchmark": "run",
        "date": today,
        "machine": machine(),
        "results": results,
        "slope": slope,
        "verdicts": verdicts(results, slope),
    }
    out = record(f"run_{args.label}" if args.label else "run", report)
    plot(results, out.with_suffix(".png"))
    print("\n".join(report["verdicts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
