"""Benchmark subject access: residents' requests answered on a year of scale-1.0 records.

Usage: .venv/bin/python bench/subject_access.py [--scale 1.0] [--days 365] [--seed 1] [--requests 20]
The world is bench/identity.py's (person feeds loaded, cached in bench/cache/), with the telephony
feed loaded and identity resolved once on a copy. Then `--requests` residents of the simulator's
truth in three or more systems are served one after another (identity.subjects.subject_access: resolve,
write JSON and CSV of every table holding their rows, log), each timed, and checked against the truth
(every record of theirs the warehouse holds is returned; records in files refused whole are not held).
The working warehouse here has raw, restricted and identity tables but no dbt marts: a full home adds
the marts' person-level tables (scanned the same way). Writes bench/results/subject_access_<date>.json.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
from recording import machine, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingestion.layout import Layout  # noqa: E402

BENCH = Path(__file__).resolve().parent

LIMIT_SECONDS = 5.0
SALT = "bench-salt"


def world_cache(scale: float, days: int, seed: int) -> Path:
    """bench/identity.py's world (loaded by path: its module name is the identity package's)."""
    spec = importlib.util.spec_from_file_location("bench_identity", BENCH / "identity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.world_cache(scale, days, seed)


def resolved_copy(world: Path) -> Path:
    """A copy of the world with telephony loaded and identity resolved (cached beside it)."""
    from identity import resolution
    from ingestion import csc_telephony
    from ingestion.landing import ingest_feed

    home = world.parent / f"{world.name}_resolved"
    if not (home / "complete").exists():
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(world, home)
        with duckdb.connect(str(Layout(home).warehouse)) as con:
            ingest_feed(con, home, csc_telephony.CDR)
            resolution.run(con, home, SALT)
        (home / "complete").write_text("resolved\n")
    return home


def residents(home: Path, n: int) -> list[set[tuple[str, str]]]:
    people: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with (Layout(home).simulator_truth / "persons.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            people[row["person_id"]].add((row["source_system"], row["source_record_id"]))
    many = [records for _, records in sorted(people.items()) if len({s for s, _ in records}) >= 3]
    step = max(1, len(many) // n)
    return many[::step][:n]


def main() -> None:
    from identity.subjects import subject_access

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--requests", type=int, default=20)
    args = ap.parse_args()
    started = time.monotonic()
    home = resolved_copy(world_cache(args.scale, args.days, args.seed))
    prepared = round(time.monotonic() - started, 1)
    timings, complete = [], 0
    with duckdb.connect(str(Layout(home).warehouse)) as con, tempfile.TemporaryDirectory() as out:
        tables = con.execute("select count(*) from duckdb_tables() where not temporary").fetchone()[0]
        loaded = set(
            con.execute("select source_system, source_record_id from restricted.customer_xref").fetchall()
        )
        for n, records in enumerate(residents(home, args.requests)):
            # A record of a file refused whole is not held: ask by one the warehouse holds.
            held = [r for r in sorted(records) if r in loaded]
            system, record_id = held[0]
            t0 = time.perf_counter()
            answer = Path(out) / str(n)
            _, counts = subject_access(con, SALT, answer, home, system=system, record_id=record_id)
            timings.append(round(time.perf_counter() - t0, 3))
            records = set(held)  # the truth's records the warehouse holds
            returned = set()
            for path in answer.glob("*.json"):
                returned |= {(r["_source_system"], r["_record_id"]) for r in json.loads(path.read_text())}
            complete += records <= returned
    result = {
        "benchmark": "subject_access",
        "args": vars(args),
        "machine": machine(),
        "prepared_seconds": prepared,
        "warehouse_tables": tables,
        "limit_seconds": LIMIT_SECONDS,
        "requests": len(timings),
        "seconds": {"median": statistics.median(timings), "max": max(timings), "each": timings},
        "requests_with_every_held_truth_record": complete,
        "within_limit": max(timings) < LIMIT_SECONDS,
    }
    print(json.dumps(result, indent=2))
    print(f"recorded {record('subject_access', result)}")


if __name__ == "__main__":
    main()
