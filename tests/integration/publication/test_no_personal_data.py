"""No published file - DuckDB, Parquet, Hyper, transparency CSV, manifest, identity model, KPI pack
page - holds a name, email address, phone number, NI or NHS number, postcode or date of birth of the
simulated world; but for the one place the law requires a name (docs/statutory.md): the senior
salaries' name column, on rows of £150,000 and over."""

import csv
from pathlib import Path

import duckdb
import pytest
from personal_data import collect
from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry

pytestmark = pytest.mark.slow


# The Transparency Code names senior employees paid £150,000 and over: this column of this table
# (and its file's column) is scanned on its own (`statutory_names`), every other value as usual.
STATUTORY = {"table": "senior_salaries", "column": "name", "csv_column": "Name"}


def _duckdb_values(con: duckdb.DuckDBPyConnection, relation: str, table: str = "") -> list:
    keep = f"* exclude ({STATUTORY['column']})" if table == STATUTORY["table"] else "*"
    return [value for row in con.execute(f"select {keep} from {relation}").fetchall() for value in row]


def _csv_values(path: Path) -> list:
    """A statutory file's values but its names; any other file's lines as text."""
    if not path.name.startswith(f"{STATUTORY['table']}_"):
        return path.read_text(encoding="utf-8-sig").splitlines()
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [v for row in csv.DictReader(f) for k, v in row.items() if k != STATUTORY["csv_column"]]


def statutory_names(published: Path) -> list[tuple[str, str, str]]:
    """(name, salary band, vacant) of every named row of the senior salaries' CSV files."""
    rows = []
    for path in published.rglob(f"{STATUTORY['table']}_*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows += [(r["Name"], r["Salary band"], r["Vacant"]) for r in csv.DictReader(f) if r["Name"]]
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
                con.execute(f"attach '{path}' as rel (read_only)")
                tables = con.execute(
                    "select schema_name || '.' || table_name from duckdb_tables() where database_name = 'rel'"
                ).fetchall()
                values = [v for (t,) in tables for v in _duckdb_values(con, f"rel.{t}", t.rsplit(".", 1)[-1])]
                con.execute("detach rel")
            elif path.suffix == ".parquet":
                values = _duckdb_values(con, f"read_parquet('{path}')", path.stem)
            elif path.suffix == ".hyper":
                with Connection(hyper.endpoint, str(path)) as c:
                    rows = c.execute_list_query('select * from "Extract"."Extract"')
                    columns = [
                        str(col.name.unescaped)
                        for col in c.catalog.get_table_definition(TableName("Extract", "Extract")).columns
                    ]
                    skip = {STATUTORY["column"]} if path.stem == STATUTORY["table"] else set()
                    values = [
                        v for row in rows for col, v in zip(columns, row, strict=True) if col not in skip
                    ]
            elif path.suffix == ".csv":
                values = _csv_values(path)
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
