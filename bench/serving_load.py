"""Benchmark loading a scale-1.0 release into the serving database (target: at most 60 s).

Usage: .venv/bin/python bench/serving_load.py [--scale 1.0] [--days 365] [--start 2025-04-01] [--runs 3]

The world is simulated and taken through the nightly job once into bench/cache/ (bench/publish.py's
world, shared). A throwaway PostgreSQL 15 cluster (publication/serving_cluster.py, default
settings) is started under /tmp; each run loads the current release into a fresh database as the
publish step does (roles, `release_<id>` by COPY, comments, grain and key indexes, ANALYZE) and
switches the stable schemas to it, timing both. Writes bench/results/serving_load_<date>.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

from publish import published_world, world_arguments
from recording import machine, record

from ingestion.layout import Layout, Release

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_load(admin_url: str, url: str, folder: Path, docs: dict) -> dict:
    """Load and switch `folder` into a fresh database; seconds of each, and the machine's load."""
    import psycopg

    from publication import serving

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("drop database if exists bench with (force)")
        admin.execute("create database bench")
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    serving.load(url, folder, docs)
    loaded = time.monotonic()
    serving.switch(url, folder.name)
    switched = time.monotonic()
    with psycopg.connect(url) as conn:
        size = conn.execute("select pg_database_size(current_database())").fetchone()[0]
    return {
        "load_seconds": round(loaded - started, 1),
        "switch_seconds": round(switched - loaded, 2),
        "seconds": round(switched - started, 1),
        "database_mb": round(size / 1e6, 1),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    args = world_arguments(__doc__.splitlines()[0])
    home, world, manifest_path = published_world(args)
    from publication.descriptions import dbt_docs
    from publication.release import current_release
    from publication.serving_cluster import Cluster

    published = Layout(home).published
    folder = published.release(current_release(published.root))
    manifest = json.loads(Release(folder).manifest.read_text(encoding="utf-8"))
    docs = dbt_docs(manifest_path)

    cluster = Cluster(Path(tempfile.mkdtemp(prefix="ih-bench-pg-")), port=free_port())
    runs = []
    try:
        cluster.start()
        for i in range(args.runs):
            runs.append(timed_load(cluster.url("postgres"), cluster.url("bench"), folder, docs))
            print(f"serving load run {i + 1}: {runs[-1]}", flush=True)
    finally:
        cluster.remove()
    result = {
        "benchmark": "serving_load",
        "date": dt.date.today().isoformat(),
        "scale": args.scale,
        "start": args.start.isoformat(),
        "days": args.days,
        "seed": args.seed,
        "world": world,
        "release_id": folder.name,
        "tables": {table: described["rows"] for table, described in manifest["tables"].items()},
        "rows": sum(described["rows"] for described in manifest["tables"].values()),
        "postgresql": "15, initdb defaults (shared_buffers 128MB, fsync on), unix socket",
        "runs": runs,
        "best_seconds": min(r["seconds"] for r in runs),
        "worst_seconds": max(r["seconds"] for r in runs),
        "target_seconds": TARGET_SECONDS,
        "within_target": max(r["seconds"] for r in runs) <= TARGET_SECONDS,
        "machine": machine(),
    }
    out = record(f"serving_load_s{args.scale}", result)
    print(
        f"serving load: best {result['best_seconds']} s, worst {result['worst_seconds']} s "
        f"(target <= {TARGET_SECONDS} s, {result['rows']} rows) -> {out.relative_to(REPO)}"
    )
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
