"""Benchmark identity resolution: a year of scale-1.0 person records resolved into customers.

Usage: .venv/bin/python bench/identity.py [--scale 1.0] [--days 365] [--seed 1]
The world (simulated files, the CRM, e-form and person index feeds loaded by the real ingestion)
is built once into bench/cache/ (git-ignored). Each run copies its warehouse and resolves it in a
fresh process, so wall time and peak memory are those of the resolution alone (the identity
asset's work: records, Splink training and prediction, clustering, keys, golden record, writes).
Then it scores the result against the simulator's truth. Writes bench/results/identity_<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from recording import machine, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingestion.layout import Layout  # noqa: E402

BENCH = Path(__file__).resolve().parent
LIMITS = {"wall_seconds": 180, "peak_rss_mib": 6144}
SALT = "bench-salt"


def world_cache(scale: float, days: int, seed: int) -> Path:
    """A home with the person feeds loaded into warehouse.duckdb and the truth; built on first use."""
    from ingestion import csc_crm, csc_telephony, person_index, web_forms
    from ingestion.landing import ingest_feed
    from simulator import simulate

    home = BENCH / "cache" / f"identity_s{scale}_d{days}_seed{seed}"
    if not (home / "complete").exists():
        shutil.rmtree(home, ignore_errors=True)
        started = time.monotonic()
        simulate(home, scale=scale, start=dt.date(2025, 4, 1), days=days, seed=seed)
        with duckdb.connect(str(Layout(home).warehouse)) as con:
            for spec in (*csc_crm.FEEDS, *csc_telephony.FEEDS, *web_forms.FEEDS, *person_index.FEEDS):
                ingest_feed(con, home, spec)
        shutil.rmtree(Layout(home).archive, ignore_errors=True)
        (home / "complete").write_text(f"built in {time.monotonic() - started:.1f} s\n")
    return home


def resolve_child(home: Path) -> None:
    """In the child process: one resolution run; prints its summary, wall time and peak RSS."""
    from identity import resolution

    started = time.perf_counter()
    with duckdb.connect(str(Layout(home).warehouse)) as con:
        summary = resolution.run(con, home, SALT)
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"wall_seconds": round(wall, 1), "peak_rss_mib": round(peak_mib, 1), **summary.metadata()})
    )


def timed_run(home: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--resolve", str(home)], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--resolve", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.resolve:
        resolve_child(args.resolve)
        return
    from identity import evaluation

    cache = world_cache(args.scale, args.days, args.seed)
    home = cache.parent / f"identity-run-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    shutil.copy(Layout(cache).warehouse, Layout(home).warehouse)
    try:
        first = timed_run(home)
        again = timed_run(home)  # the next night on unchanged inputs
        with duckdb.connect(str(Layout(home).warehouse), read_only=True) as con:
            metrics = evaluation.evaluate(con, Layout(cache).simulator_truth / "persons.csv")
            raw_rows = {
                t: con.execute(f"select count(*) from raw.{t}").fetchall()[0][0]
                for (t,) in con.execute(
                    "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
                ).fetchall()
            }
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result = {
        "benchmark": "identity",
        "run_on": dt.date.today().isoformat(),
        "args": {"scale": args.scale, "days": args.days, "seed": args.seed, "defects": "default"},
        "machine": machine(),
        "world": (cache / "complete").read_text().strip(),
        "raw_rows": raw_rows,
        "limits": LIMITS,
        "first_run": first,
        "rerun_unchanged_inputs": again,
        "within_limits": all(
            run["wall_seconds"] < LIMITS["wall_seconds"] and run["peak_rss_mib"] < LIMITS["peak_rss_mib"]
            for run in (first, again)
        ),
        "accuracy": {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()},
    }
    out = record("identity", result)
    print(
        json.dumps({k: result[k] for k in ("first_run", "rerun_unchanged_inputs", "within_limits")}, indent=2)
    )
    print(evaluation.format_report(metrics))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
