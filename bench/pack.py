"""Benchmark rendering the KPI pack of a release (issue 19: the pack adds <= 10 s to a scale-1.0 publish).

Usage: .venv/bin/python bench/pack.py <release folder> [--runs 3]

Renders the pack of an existing release (e.g. `$INSIGHT_HUB_HOME/published/current`) from its own
DuckDB files and manifest (checks, completeness, source files), as build_release does, into a
temporary folder (a built release is read-only). The first run includes vl-convert's start (about
1.5 s, paid once per publish); each run is timed separately. Writes bench/results/pack_<date>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from recording import machine, record

from ingestion.layout import Release
from publication.pack import PackInputs, build_pack

TARGET_SECONDS = 10


def inputs_of(release: Release) -> PackInputs:
    """What the pack is given by build_release, read back from the release's manifest."""
    if not release.manifest.exists():
        raise SystemExit(f"{release.folder}: no manifest.json - not a release folder")
    manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    reporting = manifest.get("reporting_date")
    return PackInputs(
        release_id=manifest["release_id"],
        reporting_date=date.fromisoformat(reporting) if reporting else None,
        checks=manifest.get("checks", []),
        completeness=manifest.get("completeness", {}),
        source_files=manifest.get("source_files", []),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", type=Path, help="a release folder (published/releases/<id> or current)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    release = Release(args.release.resolve())
    inputs = inputs_of(release)
    seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pack-bench-") as scratch:
        for run in range(args.runs):
            out = Path(scratch) / f"run{run}"
            started = time.perf_counter()
            files = build_pack(release, inputs, out=out)
            seconds.append(round(time.perf_counter() - started, 3))
            print(f"run {run + 1}: {seconds[-1]:.2f} s", flush=True)
        pages = {path.name: path.stat().st_size for path in files}
        charts = sum(path.read_text(encoding="utf-8").count("<figure") for path in files)
    manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    result = {
        "release": str(release.folder),
        "release_id": inputs.release_id,
        "table_rows": {table: info.get("rows") for table, info in manifest.get("tables", {}).items()},
        "runs_s": seconds,
        "median_s": statistics.median(seconds),
        "first_s": seconds[0],
        "target_s": TARGET_SECONDS,
        "within_target": max(seconds) <= TARGET_SECONDS,
        "pages": pages,
        "charts": charts,
        "machine": machine(),
    }
    path = record("pack", result)
    print(f"median {result['median_s']:.2f} s, first {seconds[0]:.2f} s, {charts} charts -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
