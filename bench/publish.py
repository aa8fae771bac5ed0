"""Benchmark publishing a scale-1.0 release in every format (target: under 30 s).

Usage: .venv/bin/python bench/publish.py [--scale 1.0] [--days 365] [--start 2025-04-01] [--runs 3]

The world is simulated (no defects) and taken through the nightly job once into bench/cache/
(git-ignored): ingestion, identity, `dbt build`, the gate and a first release. Each run then times
the publish step as the nightly job runs it after the gate - the publish asset alone, in-process:
the DuckDB file (storage v1.1.0), Parquet and a Tableau Hyper extract per table, the transparency
files, the manifest with every file's sha256, verification (row counts equal across the three
formats), the atomic switch of `current` and retention. The release is audited (every blocking check's latest
evaluation in the world's Dagster instance, bound to the fingerprint of the release's copy of each
table), so the world keeps its instance under its home. Writes bench/results/publish_<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from recording import machine, record

from ingestion.layout import Layout

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
TARGET_SECONDS = 30


def prepared_home(scale: float, start: dt.date, days: int, seed: int) -> Path:
    home = BENCH / "cache" / f"publish_s{scale}_{start:%Y%m%d}_d{days}_seed{seed}"
    home.mkdir(parents=True, exist_ok=True)
    return home


def build_world(home: Path, scale: float, start: dt.date, days: int, seed: int) -> str:
    """Simulate and run the nightly job once (first use only); say how long it took."""
    import dagster as dg

    from orchestration.definitions import load_definitions
    from orchestration.ingestion import days_to_run, range_tags
    from simulator import simulate

    marker = home / "world.ok"
    if marker.exists():
        return marker.read_text().strip()
    started = time.monotonic()
    simulate(home, scale=scale, start=start, days=days, seed=seed, defects=0.0)
    # The world's own instance: the publish step looks up the checks' evaluations there.
    with dg.DagsterInstance.get() as instance:
        result = (
            load_definitions()
            .resolve_job_def("nightly_refresh")
            .execute_in_process(instance=instance, raise_on_error=False, tags=range_tags(days_to_run(home)))
        )
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
        raise SystemExit(f"the nightly job failed: {failed}")
    note = f"simulated and refreshed in {time.monotonic() - started:.0f} s"
    marker.write_text(note + "\n")
    return note


def world_arguments(description: str) -> argparse.Namespace:
    """The world a publication benchmark measures, and how many runs (shared with serving_load)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 4, 1))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args()


def published_world(args: argparse.Namespace) -> tuple[Path, str, Path]:
    """The world's home, refreshed and published once (an entry point: the tools' environment, then
    dbt's manifest, before the definitions load); its home, how it was built and dbt's manifest."""
    home = prepared_home(args.scale, args.start, args.days, args.seed)
    os.environ["INSIGHT_HUB_HOME"] = str(home)
    sys.path.insert(0, str(REPO))

    from orchestration.resources import configure_environment
    from orchestration.warehouse import prepare_manifest

    configure_environment()
    manifest_path = prepare_manifest(Layout(home))
    return home, build_world(home, args.scale, args.start, args.days, args.seed), manifest_path


def timed_publish() -> dict:
    """Run the publish asset alone; its step time and what the release holds."""
    import dagster as dg

    from orchestration.definitions import load_definitions
    from publication.release import current_manifest

    load_before = os.getloadavg()[0]
    started = time.monotonic()
    # The world's instance holds the nightly run's check evaluations, which vouch for the tables.
    with dg.DagsterInstance.get() as instance:
        result = (
            load_definitions()
            .resolve_implicit_global_asset_job_def()
            .execute_in_process(asset_selection=[dg.AssetKey(["publication", "release"])], instance=instance)
        )
    seconds = time.monotonic() - started
    step = next(
        e
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.STEP_SUCCESS and e.step_key == "publication__release"
    )
    manifest = current_manifest(Layout.from_env().published.root)
    return {
        "seconds": round(seconds, 1),
        "publish_step_seconds": round(step.event_specific_data.duration_ms / 1000, 1),
        "release_id": manifest["release_id"],
        "release_mb": round(sum(f["bytes"] for f in manifest["files"].values()) / 1e6, 1),
        # Other processes share the machine's 2 cores: the 1-minute load average says how much.
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    args = world_arguments(__doc__.splitlines()[0])
    home, world, _ = published_world(args)
    from publication.release import current_manifest

    runs = []
    for i in range(args.runs):
        runs.append(timed_publish())
        print(
            f"publish run {i + 1}: {runs[-1]['seconds']} s (step {runs[-1]['publish_step_seconds']} s)",
            flush=True,
        )
    manifest = current_manifest(Layout(home).published.root)
    result = {
        "benchmark": "publish",
        "date": dt.date.today().isoformat(),
        "scale": args.scale,
        "start": args.start.isoformat(),
        "days": args.days,
        "seed": args.seed,
        "world": world,
        "reporting_date": manifest["reporting_date"],
        "tables": {table: described["rows"] for table, described in manifest["tables"].items()},
        "rows": sum(described["rows"] for described in manifest["tables"].values()),
        "transparency_files": len(manifest["transparency_files"]),
        "runs": runs,
        "best_seconds": min(r["seconds"] for r in runs),
        "worst_seconds": max(r["seconds"] for r in runs),
        "target_seconds": TARGET_SECONDS,
        "within_target": max(r["seconds"] for r in runs) < TARGET_SECONDS,
        "machine": machine(),
    }
    out = record("publish", result)
    print(
        f"publish: best {result['best_seconds']} s, worst {result['worst_seconds']} s "
        f"(target < {TARGET_SECONDS} s, {result['rows']} rows) -> {out.relative_to(REPO)}"
    )
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
