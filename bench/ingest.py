"""Benchmark ingestion: a year of scale-1.0 landing files into a fresh warehouse, rows per second per feed.

Usage: .venv/bin/python bench/ingest.py [--scale 1.0] [--days 365] [--seed 1] [--defects 0.01]
The simulated files are generated once into bench/cache/ (git-ignored) and hard-linked into a
fresh home for every run, so only ingestion is timed. Writes bench/results/ingest_<YYYY-MM-DD>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import duckdb
from recording import machine, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingestion import FEEDS  # noqa: E402
from ingestion.landing import ingest_feed  # noqa: E402
from ingestion.layout import Layout  # noqa: E402

BENCH = Path(__file__).resolve().parent
TARGET_SECONDS = 60


def landing_cache(scale: float, days: int, seed: int, defects: float) -> Path:
    """A simulated home whose landing/ holds the files; generated on first use only."""
    home = BENCH / "cache" / f"ingest_s{scale}_d{days}_seed{seed}_defects{defects}"
    if not (home / "complete").exists():
        from simulator import simulate

        shutil.rmtree(home, ignore_errors=True)
        started = time.monotonic()
        simulate(home, scale=scale, start=dt.date(2025, 4, 1), days=days, seed=seed, defects=defects)
        (home / "complete").write_text(f"generated in {time.monotonic() - started:.1f} s\n")
    return home


def fresh_home(cache: Path) -> Path:
    """A new home whose landing/ hard-links the cached files (ingestion moves them away)."""
    home = cache.parent / f"run-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    for src in (Layout(cache).landing).rglob("*"):
        if src.is_file():
            dst = home / src.relative_to(cache)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.link(src, dst)
    return home


def run(scale: float, days: int, seed: int, defects: float) -> dict:
    cache = landing_cache(scale, days, seed, defects)
    home = fresh_home(cache)
    feeds = []
    con = duckdb.connect(str(Layout(home).warehouse))
    started, started_cpu = time.monotonic(), time.process_time()
    try:
        for spec in FEEDS:
            t0, c0 = time.monotonic(), time.process_time()
            result = ingest_feed(con, home, spec)
            seconds, cpu = time.monotonic() - t0, time.process_time() - c0
            rows = result.rows_loaded + result.rows_quarantined
            feeds.append(
                {
                    "table": spec.table,
                    "files": len(result.files),
                    "files_quarantined": result.files_quarantined,
                    "rows_read": rows,
                    "rows_quarantined": result.rows_quarantined,
                    "seconds": round(seconds, 2),
                    "cpu_seconds": round(cpu, 2),
                    "rows_per_second": round(rows / seconds) if seconds else None,
                }
            )
            print(
                f"{spec.table:32} {len(result.files):5} files {rows:9} rows "
                f"{seconds:6.2f} s (cpu {cpu:5.2f} s)",
                flush=True,
            )
        total, total_cpu = time.monotonic() - started, time.process_time() - started_cpu
    finally:
        con.close()
        shutil.rmtree(home, ignore_errors=True)
    rows = sum(f["rows_read"] for f in feeds)
    return {
        "benchmark": "ingest",
        "date": dt.date.today().isoformat(),
        "scale": scale,
        "days": days,
        "seed": seed,
        "defects": defects,
        "files": sum(f["files"] for f in feeds),
        "rows": rows,
        "seconds": round(total, 1),
        # CPU time of all threads: on a shared machine wall time also measures the neighbours.
        "cpu_seconds": round(total_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "rows_per_second": round(rows / total),
        "target_seconds": TARGET_SECONDS,
        "within_target": total < TARGET_SECONDS,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": machine(),
        "feeds": feeds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--defects", type=float, default=0.01)
    args = parser.parse_args()
    result = run(args.scale, args.days, args.seed, args.defects)
    out = record("ingest", result)
    print(
        f"ingest: {result['files']} files, {result['rows']} rows in {result['seconds']} s "
        f"(cpu {result['cpu_seconds']} s, {result['rows_per_second']} rows/s; target < {TARGET_SECONDS} s) "
        f"-> {out.relative_to(BENCH.parent)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
