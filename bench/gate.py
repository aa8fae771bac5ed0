"""The gate's cost before and after a change, on the same world, one source tree after the other.

Usage: .venv/bin/python bench/gate.py [--baseline DIR] [--change DIR] [--home HOME | --scale 0.1]
       [--days 365] [--seed 1] [--rounds 1] [--reference RESULT.json] [--label L]

DIR is a source tree (e.g. `git archive main | tar -x -C DIR`); both run in this virtual
environment, each with its own code first on sys.path (--change defaults to this tree). Without
--baseline only the change runs, and --reference names a recorded bench/run.py result at the same
scale whose full refresh's stage times are the figures to compare with (where running the old
tree again does not fit the shared machine, e.g. at scale 1.0). With
--home (a home a refresh has built), each round copies it and runs `insight-hub publish` - the
gate alone (dbt tests and GX checks of the bi tables) and the publish step - on the same tables;
without it, a full refresh of the cached simulated world. Stage `gate` is every check step outside
ingestion, dbt, identity and publish; dbt tests run inside the dbt step, so a rule moved from GX to
dbt moves its cost to stage `dbt`: compare `gate + dbt` too. Results: bench/results/gate_<label>_<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

from recording import machine, record
from run import BENCH, ROOT, refresh, simulated

from ingestion.layout import Layout


def reference(path: Path, scale: float) -> dict:
    """The recorded full refresh at `scale` in a bench/run.py result: its stage times and gate + dbt."""
    recorded = json.loads(path.read_text())
    (result,) = [r for r in recorded["results"] if r["scale"] == scale]
    stages = result["full"]["stages_s"]
    return {
        "result": str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path),
        "stages_s": stages,
        "gate_plus_dbt_s": round(stages.get("gate", 0) + stages.get("dbt", 0), 1),
        "load_average_1m_at_end": recorded.get("load_average_at_end"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="the source tree before the change (omit: change only)")
    ap.add_argument("--change", type=Path, default=ROOT)
    ap.add_argument("--home", type=Path, help="a built home: time `publish` on copies of it")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 4, 1))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--reference", type=Path, help="a recorded bench/run.py result to compare with")
    ap.add_argument("--label", default="")
    args = ap.parse_args()

    world = None if args.home else simulated(args.scale, args.start, args.days, args.seed)
    source = args.home if args.home else Layout(world).landing
    trees = [("baseline", args.baseline.resolve())] if args.baseline else []
    trees.append(("change", args.change.resolve()))
    runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
    for _ in range(args.rounds):
        for name, code in trees:
            home = BENCH / "cache" / f"gate_home_{name}"
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(source, home if args.home else Layout(home).landing, symlinks=True)
            load_before = round(os.getloadavg()[0], 2)
            result = refresh(home, code=code, command="publish" if args.home else "refresh")
            result["load_average_1m"] = {"before": load_before, "after": round(os.getloadavg()[0], 2)}
            stages = result["stages_s"]
            result["gate_plus_dbt_s"] = round(stages.get("gate", 0) + stages.get("dbt", 0), 1)
            runs[name].append(result)
            print(name, result, flush=True)
    report = {
        "benchmark": "gate",
        "date": dt.date.today().isoformat(),
        "world": str(args.home) if args.home else {"scale": args.scale, "days": args.days, "seed": args.seed},
        "command": "publish" if args.home else "refresh",
        "baseline": str(args.baseline) if args.baseline else None,
        "change": str(args.change),
        "runs": runs,
        "reference": reference(args.reference, args.scale) if args.reference else None,
        "machine": machine(),
    }
    out = record(f"gate_{args.label}" if args.label else "gate", report)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
