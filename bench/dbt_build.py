"""Benchmark `dbt build` (every seed, model and test) on a loaded scale-1.0 two-year world.

Usage: .venv/bin/python bench/dbt_build.py [--scale 1.0] [--days 730] [--start 2024-04-01] [--runs 3]
                                          [--recompute]
The world is simulated (no defects) and ingested once into bench/cache/ (git-ignored); each run
times `dbt build` end to end as the nightly job runs it (a fresh dbt process, full refresh of
every table). --recompute then checks every KPI mart against the independent recomputation of
tests/integration/kpi. Writes bench/results/dbt_build_<YYYY-MM-DD>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb
from recording import machine, record

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration" / "dbt"))
sys.path.insert(0, str(REPO / "tests" / "integration" / "kpi"))

from warehouse_world import load_world, run_dbt  # noqa: E402

from ingestion.layout import Layout  # noqa: E402

BENCH = Path(__file__).resolve().parent
TARGET_SECONDS = 60
COUNTED_TABLES = ("fct_spend", "fct_payments", "fct_contacts", "kpi_csc_monthly", "kpi_workforce_monthly")


def loaded_world(scale: float, start: dt.date, days: int, seed: int) -> Path:
    """A home with the world's raw tables loaded; simulated and ingested on first use only."""
    home = BENCH / "cache" / f"dbt_s{scale}_{start:%Y%m%d}_d{days}_seed{seed}"
    if not (home / "loaded").exists():
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        started = time.monotonic()
        load_world(home, scale=scale, start=start, days=days, seed=seed)
        (home / "loaded").write_text(f"simulated and ingested in {time.monotonic() - started:.1f} s\n")
    return home


def raw_rows(home: Path) -> dict[str, int]:
    con = duckdb.connect(str(Layout(home).warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw'"
            ).fetchall()
        ]
        return {t: con.execute(f"select count(*) from raw.{t}").fetchall()[0][0] for t in sorted(tables)}
    finally:
        con.close()


def bi_rows(home: Path) -> dict[str, int]:
    con = duckdb.connect(str(Layout(home).warehouse), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from bi.{t}").fetchall()[0][0] for t in COUNTED_TABLES}
    finally:
        con.close()


def timed_build(home: Path) -> dict:
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    result = run_dbt(home, ["build"])
    seconds = time.monotonic() - started
    summary = next((line for line in result.stdout.splitlines() if " Done. PASS=" in line), "")
    if result.returncode != 0:
        print(result.stdout[-5000:])
        raise SystemExit("dbt build failed")
    run_results = json.loads((Layout(home).dbt_target / "run_results.json").read_text())
    slowest = sorted(run_results["results"], key=lambda r: -r["execution_time"])[:8]
    return {
        "seconds": round(seconds, 1),
        "dbt_elapsed_seconds": round(run_results["elapsed_time"], 1),
        "summary": summary.split("Done. ")[-1],
        # Other processes share the machine's 2 cores: the 1-minute load average says how much.
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "slowest_nodes": [
            {"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)}
            for r in slowest
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 4, 1))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--recompute", action="store_true", help="also check the marts against tests/integration/kpi"
    )
    args = parser.parse_args()

    home = loaded_world(args.scale, args.start, args.days, args.seed)
    runs = []
    for i in range(args.runs):
        runs.append(timed_build(home))
        print(f"dbt build run {i + 1}: {runs[-1]['seconds']} s ({runs[-1]['summary']})", flush=True)
    result = {
        "benchmark": "dbt_build",
        "date": dt.date.today().isoformat(),
        "scale": args.scale,
        "start": args.start.isoformat(),
        "days": args.days,
        "seed": args.seed,
        "world": (home / "loaded").read_text().strip(),
        "raw_rows": raw_rows(home),
        "bi_rows": bi_rows(home),
        "runs": runs,
        "best_seconds": min(r["seconds"] for r in runs),
        "worst_seconds": max(r["seconds"] for r in runs),
        "target_seconds": TARGET_SECONDS,
        "within_target": max(r["seconds"] for r in runs) < TARGET_SECONDS,
        "machine": {**machine(), "dbt_threads": 2},
    }
    if args.recompute:
        from recompute import compare_all

        started = time.monotonic()
        con = duckdb.connect(str(Layout(home).warehouse), read_only=True)
        try:
            comparisons = compare_all(con)
        finally:
            con.close()
        result["recompute"] = {
            "seconds": round(time.monotonic() - started, 1),
            "marts": {c.mart: {"rows": c.rows, "mismatches": len(c.mismatches)} for c in comparisons},
            "all_agree": all(not c.mismatches for c in comparisons),
        }
        print(f"recompute: {'all marts agree' if result['recompute']['all_agree'] else 'MISMATCHES'}")
    out = record("dbt_build", result)
    print(
        f"dbt build: best {result['best_seconds']} s, worst {result['worst_seconds']} s "
        f"(target < {TARGET_SECONDS} s) -> {out.relative_to(REPO)}"
    )
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
