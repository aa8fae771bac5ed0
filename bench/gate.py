"""The gate's cost before and after a change: full refreshes of the same simulated world, one per
source tree, alternating, with their stage times (bench/run.py's stages).

Usage: .venv/bin/python bench/gate.py --baseline DIR [--scale 0.1] [--days 365] [--seed 1] [--rounds 1]

DIR is another source tree to compare with (e.g. `git archive main | tar -x -C DIR`); both run in
this virtual environment, each with its own code first on sys.path. Stage `gate` is every check
step outside ingestion, dbt, identity and publish (the raw and published-table GX checks, freshness
checks); dbt tests run inside the dbt step, so a rule moved from GX to dbt moves its cost to stage
`dbt`: compare `gate + dbt` too. Results: bench/results/gate_<label>_<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
from pathlib import Path

from recording import machine, record
from run import BENCH, ROOT, refresh, simulated


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 4, 1))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--label", default="")
    args = ap.parse_args()

    cache = simulated(args.scale, args.start, args.days, args.seed)
    runs: dict[str, list[dict]] = {"baseline": [], "change": []}
    for _ in range(args.rounds):
        for name, code in (("baseline", args.baseline.resolve()), ("change", ROOT)):
            home = BENCH / "cache" / f"gate_home_{name}_s{args.scale}"
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(cache / "landing", home / "landing")
            result = refresh(home, code=code)
            stages = result["stages_s"]
            result["gate_plus_dbt_s"] = round(stages.get("gate", 0) + stages.get("dbt", 0), 1)
            runs[name].append(result)
            print(name, result, flush=True)
    report = {
        "benchmark": "gate",
        "date": dt.date.today().isoformat(),
        "scale": args.scale,
        "days": args.days,
        "seed": args.seed,
        "baseline": str(args.baseline),
        "runs": runs,
        "machine": machine(),
    }
    out = record(f"gate_{args.label}" if args.label else "gate", report)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
