"""Benchmark the simulator: wall time, peak memory and volumes against the sources contract.

Usage: .venv/bin/python bench/simulate.py --scale 1.0 --days 365
Writes bench/results/simulate_<YYYY-MM-DD>.json (the date is the day the benchmark ran).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from recording import machine, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingestion.layout import Layout  # noqa: E402
from simulator import simulate  # noqa: E402

# Contract figures for --scale 1.0 over one year (sources.md, "Scale").
CONTRACT = {
    "staff": 5500,
    "suppliers": 4500,
    "low_value_suppliers": 4300,
    "spend_gbp": 400e6,
    "spend_health_social_care_gbp": 280e6,
    "spend_place_gbp": 80e6,
    "spend_corporate_gbp": 40e6,
    "provision_cycle_transactions": 164000,
    "inbound_calls": 170000,
    "crm_contacts": 400000,
    "distinct_residents": 150000,
}
SECTOR = {
    "ADULTS": "health_social_care",
    "CHILDRENS": "health_social_care",
    "PUBHEALTH": "health_social_care",
    "ENVPLACE": "place",
    "FIRE": "place",
    "RESOURCES": "corporate",
    "CUSTCULT": "corporate",
}


def _ibc(path: Path) -> pd.DataFrame:
    """Tolerant read for counting (defective rows are simply skipped)."""
    lines = path.read_bytes().decode("cp1252", errors="replace").split("\r\n")
    header = lines[0].split("|")
    rows = [line.split("|") for line in lines[1:] if line and not line.startswith("TRL|")]
    return pd.DataFrame([r for r in rows if len(r) == len(header)], columns=header)


def volumes(home: Path, days: int) -> dict:
    land = Layout(home).landing
    year = 365 / days
    hr = sorted((land / "ibc/hr").glob("PA0001_*.txt"))[-1]
    pa1 = _ibc(hr)
    snap = dt.datetime.strptime(hr.stem[-8:], "%Y%m%d").strftime("%Y%m%d")
    staff = pa1[(snap >= pa1.BEGDA) & (snap <= pa1.ENDDA)].PERNR.nunique()
    fi = pd.concat(
        [_ibc(p) for p in sorted((land / "ibc/finance").glob("FI_ITEMS_*.txt")) if p.stat().st_size],
        ignore_index=True,
    )
    fi = fi.drop_duplicates()
    vendor_docs = fi[fi.BLART.isin(["KR", "KG"])]
    docs = vendor_docs.drop_duplicates(["BELNR", "GJAHR"])
    supplier_of = vendor_docs[vendor_docs.LIFNR != ""].set_index(["BELNR", "GJAHR"]).LIFNR
    exp = vendor_docs[
        (vendor_docs.HKONT >= "500000") & (vendor_docs.HKONT < "600000") & (vendor_docs.KOSTL != "")
    ]
    amount = pd.to_numeric(exp.DMBTR, errors="coerce").fillna(0) * exp.SHKZG.map({"S": 1, "H": -1}).fillna(0)
    csks = _ibc(sorted((land / "ibc/finance").glob("CSKS_*.txt"))[-1])
    directorate = csks.drop_duplicates("KOSTL", keep="last").set_index("KOSTL").ZDIRECT
    sector = exp.KOSTL.map(directorate).map(SECTOR)
    spend_by_supplier = amount.groupby(exp.set_index(["BELNR", "GJAHR"]).index.map(supplier_of)).sum()
    calls = sum(
        p.read_text(encoding="utf-8").count('"direction":"inbound"')
        for p in (land / "csc/telephony").glob("cdr_*.jsonl")
    )
    contacts = sum(
        max(sum(1 for _ in p.open(encoding="utf-8")) - 1, 0) for p in (land / "csc/crm").glob("*.csv")
    )
    persons = pd.read_csv(Layout(home).simulator_truth / "persons.csv", dtype=str)
    found = {
        "staff": int(staff),
        "suppliers": int(supplier_of.nunique() * year),
        "low_value_suppliers": int((spend_by_supplier < 100_000).sum() * year),
        "spend_gbp": float(amount.sum() * year),
        "spend_health_social_care_gbp": float(amount[sector == "health_social_care"].sum() * year),
        "spend_place_gbp": float(amount[sector == "place"].sum() * year),
        "spend_corporate_gbp": float(amount[sector == "corporate"].sum() * year),
        "provision_cycle_transactions": int(len(docs) * year),
        "inbound_calls": int(calls * year),
        "crm_contacts": int(contacts * year),
        "distinct_residents": int(persons.person_id.nunique()),
    }
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 4, 1))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        summary = simulate(
            Path(tmp),
            scale=args.scale,
            start=args.start,
            days=args.days,
            seed=args.seed,
            progress=lambda m: print(m, flush=True),
        )
        wall = time.perf_counter() - began
        peak_kib = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        found = volumes(Path(tmp), args.days)
    checks = {}
    for key, want in CONTRACT.items():
        got = found[key] / args.scale
        checks[key] = {
            "contract": want,
            "simulated_per_scale_1": round(got, 2),
            "ratio": round(got / want, 3),
            "within_20pct": abs(got / want - 1) <= 0.20,
        }
    result = {
        "run_on": dt.date.today().isoformat(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "machine": machine(),
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "limits": {"wall_seconds": 120, "peak_rss_mib": 4096},
        "within_limits": wall < 120 and peak_kib / 1024 < 4096,
        "files": summary["files"],
        "rows": summary["rows"],
        "defects": summary["defects"],
        "volumes": checks,
    }
    out = record("simulate", result)
    print(json.dumps({k: result[k] for k in ("wall_seconds", "peak_rss_mib", "within_limits")}))
    for key, c in checks.items():
        print(
            f"{key:32s} {c['simulated_per_scale_1']:>16,.0f} vs {c['contract']:>14,.0f}"
            f"  ratio {c['ratio']:.2f}"
            f"  {'ok' if c['within_20pct'] else 'OFF'}"
        )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
