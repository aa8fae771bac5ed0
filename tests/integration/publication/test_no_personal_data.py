"""No published file - DuckDB, Parquet, Hyper, transparency CSV, manifest, identity model, KPI pack
page - holds a name, email address, phone number, NI or NHS number, postcode or date of birth of the
simulated world."""

from pathlib import Path

import duckdb
import pytest
from personal_data import collect
from tableauhyperapi import Connection, HyperProcess, Telemetry

pytestmark = pytest.mark.slow


def _duckdb_values(con: duckdb.DuckDBPyConnection, relation: str) -> list:
    return [value for row in con.execute(f"select * from {relation}").fetchall() for value in row]


def scan_published(published: Path, find, log_dir: Path) -> dict[str, set[str]]:
    """What kinds of personal data each published file holds (empty when clean)."""
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
                values = [v for (t,) in tables for v in _duckdb_values(con, f"rel.{t}")]
                con.execute("detach rel")
            elif path.suffix == ".parquet":
                values = _duckdb_values(con, f"read_parquet('{path}')")
            elif path.suffix == ".hyper":
                with Connection(hyper.endpoint, str(path)) as c:
                    values = [
                        v for row in c.execute_list_query('select * from "Extract"."Extract"') for v in row
                    ]
            else:  # CSV, JSON, the pack's HTML: scanned as text
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
