"""Identity accuracy on worlds nobody tuned on: the threshold is chosen on a training seed only.

Usage:
  .venv/bin/python bench/identity_accuracy.py --tune            # sweep thresholds on the training seed
  .venv/bin/python bench/identity_accuracy.py [--scale 0.1] [--days 365] [--seeds 101 102 103]

`--tune` resolves the training world (seed TRAINING_SEED) at several thresholds, records
precision and recall at each and the threshold the rule (F1_TOLERANCE) picks; linkage.THRESHOLD
is set to it by hand, from the recorded result. The default mode resolves each test seed
(never used for tuning) with the model as shipped and records its metrics with 95 % intervals,
errors by cause, and the worst seed. Worlds are cached in bench/cache/ (bench/identity.py builds them). Writes
bench/results/identity_accuracy_<date>.json (or identity_threshold_<date>.json with --tune).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import sys
import time
from pathlib import Path

import duckdb
from recording import machine, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingestion.layout import Layout  # noqa: E402

# bench/identity.py builds and caches the worlds; loaded by path (its name is the package's).
_spec = importlib.util.spec_from_file_location("bench_identity", Path(__file__).with_name("identity.py"))
bench_identity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_identity)
world_cache = bench_identity.world_cache

TRAINING_SEED = 1
TEST_SEEDS = (101, 102, 103)
SWEEP = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
# The rule that picks the threshold from the sweep: the highest threshold whose training F1 is
# within F1_TOLERANCE of the best (in a plateau, link only what the model is surest of).
F1_TOLERANCE = 0.0002
TARGETS = {"pairwise_precision": 0.99, "pairwise_recall": 0.97}
SALT = "bench-salt"


def _summary(metrics: dict) -> dict:
    keep = (
        "records_scored",
        "persons",
        "customers",
        "pairwise_precision",
        "pairwise_recall",
        "pairwise_f1",
        "exact_customer_rate",
        "persons_split",
        "customers_merged",
        "intervals_95",
        "errors",
    )
    return {
        k: round(metrics[k], 4) if isinstance(metrics[k], float) else metrics[k] for k in keep if k in metrics
    }


def tune(scale: float, days: int) -> dict:
    """Precision and recall of the training world at each threshold of SWEEP (one training)."""
    from identity import evaluation, linkage, records

    home = world_cache(scale, days, TRAINING_SEED)
    rows = []
    with duckdb.connect(str(Layout(home).warehouse), read_only=True) as con:
        records.build(con)
        table = con.sql("select * from identity_records").to_arrow_table()
        for threshold in SWEEP:
            started = time.monotonic()
            resolution = linkage.resolve(table, threshold)
            con.register("sweep_clusters", resolution.clusters)
            con.execute(
                """create or replace temp table sweep_xref as
                   select r.source_system, r.source_record_id, c.cluster_id as customer_key
                   from sweep_clusters as c join identity_records as r using (unique_id)"""
            )
            con.unregister("sweep_clusters")
            m = evaluation.evaluate(con, Layout(home).simulator_truth / "persons.csv", "sweep_xref")
            rows.append(
                {"threshold": threshold, "seconds": round(time.monotonic() - started, 1), **_summary(m)}
            )
            print(
                json.dumps({k: rows[-1][k] for k in ("threshold", "pairwise_precision", "pairwise_recall")})
            )
    best = max(row["pairwise_f1"] for row in rows)
    chosen = max(row["threshold"] for row in rows if row["pairwise_f1"] >= best - F1_TOLERANCE)
    return {
        "training_seed": TRAINING_SEED,
        "sweep": rows,
        "f1_tolerance": F1_TOLERANCE,
        "chosen_threshold": chosen,
    }


def test(scale: float, days: int, seeds: list[int]) -> dict:
    """Resolve each test world with the shipped model and score it."""
    from identity import evaluation, linkage, resolution

    if TRAINING_SEED in seeds:
        raise SystemExit(f"seed {TRAINING_SEED} is the training seed: test on other seeds")
    results = {}
    for seed in seeds:
        home = world_cache(scale, days, seed)
        with duckdb.connect(str(Layout(home).warehouse)) as con:
            con.execute("drop schema if exists restricted cascade")
            started = time.monotonic()
            summary = resolution.run(con, home, SALT)
            seconds = time.monotonic() - started
            m = evaluation.evaluate(con, Layout(home).simulator_truth / "persons.csv")
            con.execute("drop schema restricted cascade")
        results[str(seed)] = {"seconds": round(seconds, 1), "records": summary.records, **_summary(m)}
        print(f"seed {seed}:\n{evaluation.format_report(m)}", flush=True)
    worst = {name: min(results.values(), key=lambda r: r[name])[name] for name in TARGETS}
    worst_seed = {name: min(results, key=lambda s: results[s][name]) for name in TARGETS}
    return {
        "threshold": linkage.THRESHOLD,
        "training_seed": TRAINING_SEED,
        "test_seeds": seeds,
        "results": results,
        "worst": worst,
        "worst_seed": worst_seed,
        "targets": TARGETS,
        "targets_met": {name: worst[name] >= target for name, target in TARGETS.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seeds", type=int, nargs="+", default=list(TEST_SEEDS))
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--label", default="", help="suffix of the result name (e.g. scale1)")
    args = ap.parse_args()
    body = tune(args.scale, args.days) if args.tune else test(args.scale, args.days, args.seeds)
    name = "identity_threshold" if args.tune else "identity_accuracy"
    result = {
        "benchmark": name,
        "run_on": dt.date.today().isoformat(),
        "args": {"scale": args.scale, "days": args.days, "defects": "default", "people": "default rates"},
        "machine": machine(),
        **body,
    }
    out = record(name + (f"_{args.label}" if args.label else ""), result)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
