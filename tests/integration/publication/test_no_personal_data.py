"""No published file - DuckDB, Parquet, Hyper, transparency CSV, manifest, identity model, KPI pack
page - holds a name, email address, phone number, NI or NHS number, postcode or date of birth of the
simulated world; but for the one place the law requires a name (docs/statutory.md): the senior
salaries' name column, on rows of £150,000 and over."""

import csv
import sys
from pathlib import Path

import duckdb
import pytest
from personal_data import collect
from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "faults"))

from home_scan import csv_values, duckdb_values, kept_columns  # noqa: E402

from expectations.runner import statutory_personal_data  # noqa: E402

pytestmark = pytest.mark.slow


def statutory_names(published: Path) -> list[tuple[str, str, str]]:
    """(name, salary band, vacant) of every named row of the senior salaries' CSV files: the one
    personal value the law requires (gate_policy.yml `statutory_personal_data`), scanned on its own."""
    (column,) = statutory_personal_data("senior_salaries")
    header = column.replace("_", " ").capitalize()
    rows = []
    for path in published.rglob("senior_salaries_*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows += [(r[header], r["Salary band"], r["Vacant"]) for r in csv.DictReader(f) if r[header]]
    return rows


def scan_published(published: Path, find, log_dir: Path) -> dict[str, set[str]]:
    """What kinds of personal data each published file holds (empty when clean), the senior
    salaries' names left out (statutory_names)."""
    findings: dict[str, set[str]] = {}
    files = [p for p in published.rglob("*") if p.is_file() and not p.is_symlink()]
    con = duckdb.connect()
    log_dir.mkdir(parents=True, exist_ok=True)
    with HyperProcess(
        Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(log_dir)}
    ) as hyper:
        for path in files:
            if path.suffix == ".duckdb":
                values = duckdb_values(path)
            elif path.suffix == ".parquet":
                query = f"select {kept_columns(path.stem)} from read_parquet('{path}')"
                values = [v for row in con.execute(query).fetchall() for v in row]
            elif path.suffix == ".hyper":
                with Connection(hyper.endpoint, str(path)) as c:
                    rows = c.execute_list_query('select * from "Extract"."Extract"')
                    columns = [
                        str(col.name.unescaped)
                        for col in c.catalog.get_table_definition(TableName("Extract", "Extract")).columns
                    ]
                    skip = set(statutory_personal_data(path.stem))
                    values = [
                        v for row in rows for col, v in zip(columns, row, strict=True) if col not in skip
                    ]
            elif path.suffix == ".csv":
                values = csv_values(path)
            else:  # JSON, the pack's HTML: scanned as text
                values = path.read_text(encoding="utf-8-sig").splitlines()
            if kinds := find(values):
                findings[path.relative_to(published).as_posix()] = kinds
    con.close()
    return findings


def test_no_published_file_holds_personal_data_of_the_world(published):
    home, _ = published
    world = collect(home)
    # The world did deliver personal data of every kind, and the scanner finds it in a source file.
    kinds = set(world.tokens.values())
    assert {"email", "phone", "NI number", "NHS number", "postcode", "date of birth"} <= kinds
    assert len(world.names) > 100 and world.dobs
    person_index = next((home / "archive" / "services" / "person_index").glob("adult_social_care_*.csv"))
    assert {"name", "email", "phone", "NHS number", "date of birth"} <= world.find(
        person_index.read_text(encoding="utf-8-sig").splitlines()
    )

    published_dir = home / "published"
    scanned = [p for p in published_dir.rglob("*") if p.is_file()]
    assert {".duckdb", ".parquet", ".hyper", ".csv", ".json", ".html"} <= {p.suffix for p in scanned}
    assert any(p.parts[-2:] == ("identity", "model.json") for p in scanned)

    assert scan_published(published_dir, world.find, home / "logs") == {}

    # The names the law requires are the world's real names (the scan would find them anywhere
    # else), and only on filled posts paid £150,000 and over.
    named = statutory_names(published_dir)
    assert named, "the world's 31 March 2025 senior salaries name its chief executive"
    assert all(world.find([name]) == {"name"} for name, _, _ in named)
    assert all(int(band.split("-")[0]) >= 150000 and vacant == "N" for _, band, vacant in named)
