"""Scans of everything a run leaves under INSIGHT_HUB_HOME (and its captured output) for secrets and
for the personal data of the simulated world.

Where personal data rightly lives is not scanned for it: the delivered files (landing/, archive/,
quarantine/ - their reports are scanned), the working warehouse (its `restricted` schema) and the
simulator's truth. Everything else is: logs (dbt, Hyper, Dagster compute logs, captured stdout and
stderr), Dagster's run and event storage (every text value of its SQLite files), Great Expectations
results and Data Docs, rejection reports, dbt's target folder, the identity model, and the published
release (manifest, transparency files, the values of its DuckDB file and Parquet files; the Hyper
extracts are scanned by tests/integration/publication/test_no_personal_data.py).
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb

from expectations.runner import statutory_personal_data

# Where personal data is held by design (the delivered files, the simulator's truth, and the
# restricted area of review files, owner-only), beside warehouse.duckdb: not scanned for leaks.
SOURCE_DATA = ("landing", "archive", "quarantine", "simulator_truth", "restricted")
BINARY = (".duckdb", ".parquet", ".hyper", ".db", ".wal")


def files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def secrets_found(roots: Iterable[Path], secrets: dict[str, str]) -> list[tuple[str, str]]:
    """(file, secret name) for every file whose bytes, or whose DuckDB text values, hold a secret."""
    found = []
    for path in files(*roots):
        data = path.read_bytes()
        values = "\n".join(map(str, duckdb_values(path))) if path.suffix == ".duckdb" else ""
        for name, secret in secrets.items():
            if secret.encode() in data or secret in values:
                found.append((str(path), name))
    return found


def kept_columns(table: str) -> str:
    """The columns scanned: all but those the law makes the table publish (gate_policy.yml
    `statutory_personal_data`: the senior salaries' names at 150,000 and over)."""
    allowed = ", ".join(f'"{column}"' for column in statutory_personal_data(table))
    return f"* exclude ({allowed})" if allowed else "*"


def duckdb_values(path: Path) -> list:
    """Every value of every table of a DuckDB file (opened read-only), less statutory columns."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as scanned (read_only)", [str(path)])
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'scanned'"
        ).fetchall()
        return [
            v
            for schema, table in tables
            for row in con.execute(
                f'select {kept_columns(table)} from scanned."{schema}"."{table}"'
            ).fetchall()
            for v in row
        ]
    finally:
        con.close()


def csv_values(path: Path) -> list[str]:
    """A file's lines; a statutory CSV's values less its statutory columns (header `Name`)."""
    table = path.name.rsplit("_", 1)[0]
    if path.suffix != ".csv" or not statutory_personal_data(table):
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    skip = {c.replace("_", " ").capitalize() for c in statutory_personal_data(table)}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [v for row in csv.DictReader(handle) for k, v in row.items() if k not in skip]


def sqlite_values(path: Path) -> list:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        return [v for t in tables for row in con.execute(f'select * from "{t}"') for v in row]
    finally:
        con.close()


def personal_data_found(
    home: Path, outputs: Path, find: Callable[[Iterable], set[str]]
) -> dict[str, set[str]]:
    """What kinds of the world's personal data each scanned file holds (empty when clean)."""
    findings = {}
    scanned = [*files(outputs), *(p for p in files(home) if p.relative_to(home).parts[0] not in SOURCE_DATA)]
    scanned += [p for p in files(home / "quarantine") if p.name.endswith(".rejection.json")]
    for path in scanned:
        if path == home / "warehouse.duckdb":
            continue
        if path.suffix == ".db":
            values = sqlite_values(path)
        elif path.suffix == ".duckdb":
            values = duckdb_values(path)
        elif path.suffix == ".parquet":
            query = f"select {kept_columns(path.stem)} from read_parquet('{path}')"
            values = [v for row in duckdb.sql(query).fetchall() for v in row]
        elif path.suffix in BINARY:
            continue
        else:
            values = csv_values(path)
        if kinds := find(v.decode(errors="replace") if isinstance(v, bytes) else v for v in values):
            findings[path.relative_to(home if path.is_relative_to(home) else outputs).as_posix()] = kinds
    return findings


def without_dates(world, days) -> None:
    """Forget dates of birth the project itself writes as constants (a suite's range bound such as
    1950-01-01): a resident born that day cannot be told from the bound."""
    for day in days:
        world.dobs.discard(day)
        for form in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
            world.tokens.pop(day.strftime(form), None)
