"""Write-audit-publish on a small simulated county: what a release holds, that readers are never
disturbed, and that a failed blocking check publishes nothing."""

import csv
import hashlib
import json
import os
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import check_evaluations
from published_world import RELEASE_KEY, released
from tableauhyperapi import Connection, HyperProcess, Telemetry

pytestmark = pytest.mark.slow

CONTRACT_TABLES = {
    "dim_date",
    "dim_organisation",
    "dim_supplier",
    "dim_customer",
    "fct_contacts",
    "fct_spend",
    "fct_payments",
    "kpi_csc_monthly",
    "kpi_digital_monthly",
    "kpi_workforce_monthly",
    "kpi_spend_monthly",
    "kpi_payment_performance_monthly",
    "kpi_budget_monthly",
    "contract_pipeline",
    "care_bdu_reconciliation",
    "benefits_realisation",
    "customer_360",
    "data_quality_summary",
}


def tree_state(published: Path) -> dict[str, str]:
    """Every path under published/ with its bytes' sha256, or its target if a symlink."""
    state = {}
    for path in sorted(published.rglob("*")):
        key = path.relative_to(published).as_posix()
        if path.is_symlink():
            state[key] = "-> " + os.readlink(path)
        elif path.is_file():
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def _plain(value):
    """A Hyper or DuckDB value as a comparable Python value."""
    for method in ("to_datetime", "to_date"):
        if hasattr(value, method):
            return getattr(value, method)()
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _rows(rows) -> list[tuple]:
    return sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)


def test_release_holds_every_table_in_three_formats_with_a_complete_manifest(published, tmp_path):
    home, result = published
    current = home / "published" / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    tables = set(manifest["tables"])
    assert CONTRACT_TABLES | {"transparency_spend_over_500"} <= tables

    # Each table in every format of every set that holds it (docs/publication.md, Audiences).
    in_duckdb, in_parquet, in_hyper, expected = {}, {}, {}, {}
    with HyperProcess(
        Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(home / "logs")}
    ) as hyper:
        for audience, section in manifest["audiences"].items():
            folder = current / section["folder"]
            con = duckdb.connect(str(folder / "insight_hub.duckdb"), read_only=True)
            for t in section["tables"]:
                key = (audience, t)
                expected[key] = manifest["tables"][t]["rows"]
                in_duckdb[key] = con.execute(f"select count(*) from bi.{t}").fetchone()[0]
                if "parquet" in section["formats"]:
                    parquet = folder / "parquet" / f"{t}.parquet"
                    in_parquet[key] = con.execute(
                        f"select count(*) from read_parquet('{parquet}')"
                    ).fetchone()[0]
                if "hyper" in section["formats"]:  # a copy: see test_hyper_extracts_hold_the_same_rows...
                    copy = tmp_path / f"{audience}_{t}.hyper"
                    shutil.copyfile(folder / "hyper" / f"{t}.hyper", copy)
                    with Connection(hyper.endpoint, str(copy)) as c:
                        in_hyper[key] = c.execute_scalar_query('select count(*) from "Extract"."Extract"')
            con.close()
    assert in_duckdb == expected and {t for _, t in expected} == tables
    assert in_parquet == in_hyper == {k: v for k, v in expected.items() if k[0] != "restricted"}
    assert in_duckdb["internal", "fct_spend"] > 0 and in_duckdb["restricted", "fct_contacts"] > 0

    assert manifest["run_id"] == result.run_id
    assert manifest["reporting_date"] == max(
        f["file_date"] for f in manifest["source_files"] if f["name"].startswith("FI_ITEMS_")
    )
    assert {"name", "feed", "sha256", "rows"} <= set(manifest["source_files"][0])
    assert any(f["name"].startswith("contacts_") for f in manifest["source_files"])
    gx_checks = {c["check"] for c in manifest["checks"]}
    assert {f"gx_{t}" for t in tables} <= gx_checks and "feed_completeness" in gx_checks
    assert all(c["passed"] for c in manifest["checks"] if c["blocking"])
    assert manifest["completeness"]["missing"] == []
    assert Path(manifest["data_docs"]).is_file()


def test_every_published_table_and_column_carries_its_description_in_every_set(published):
    """The dbt docs travel with the data: a comment on every table and column of each set's DuckDB
    file, the same in its Parquet files' metadata, and a dictionary.csv row per column."""
    home, _ = published
    current = home / "published" / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    for audience, section in manifest["audiences"].items():
        folder = current / section["folder"]
        with duckdb.connect(str(folder / "insight_hub.duckdb"), read_only=True) as con:
            tables = dict(
                con.execute(
                    "select table_name, comment from duckdb_tables() where schema_name = 'bi'"
                ).fetchall()
            )
            columns = con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = 'bi'"
            ).fetchall()
            assert set(tables) == set(section["tables"]) and all(tables.values()), audience
            assert columns and all(comment for _, _, comment in columns), audience
            if "parquet" in section["formats"]:
                for table in tables:
                    metadata = dict(
                        con.execute(
                            "select decode(key), decode(value) from parquet_kv_metadata(?)",
                            [str(folder / "parquet" / f"{table}.parquet")],
                        ).fetchall()
                    )
                    assert metadata["description"] == tables[table]
                    assert json.loads(metadata["column_descriptions"]) == {
                        c: d for t, c, d in columns if t == table
                    }
        with (folder / "dictionary.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert {(r["table"], r["column"], r["description"]) for r in rows} == set(columns), audience
        assert {r["audience"] for r in rows} <= set(manifest["audiences"])


def test_hyper_extracts_hold_the_same_rows_as_the_duckdb_tables(published, tmp_path):
    """Each extract is read from a copy: the Hyper engine may write to a file it opens, and the
    tests run as root, whom the release's read-only modes do not stop (a changed file would then,
    rightly, not be reused by the next release: test_a_reader_holding...)."""
    home, _ = published
    current = home / "published" / "current"
    con = duckdb.connect(str(current / "insight_hub.duckdb"), read_only=True)
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
    with HyperProcess(
        Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(home / "logs")}
    ) as hyper:
        for table in tables:
            expected = _rows(con.execute(f"select * from bi.{table}").fetchall())
            copy = tmp_path / f"{table}.hyper"
            shutil.copyfile(current / "hyper" / f"{table}.hyper", copy)
            with Connection(hyper.endpoint, str(copy)) as c:
                actual = _rows(c.execute_list_query('select * from "Extract"."Extract"'))
            assert actual == expected, table
    con.close()


def test_gate_docs_are_linked_from_every_check(published):
    _, result = published
    gx = [c for c in check_evaluations(result) if c.check_name.startswith("gx_")]
    assert gx
    for check in gx:
        docs = check.metadata["data_docs"].value
        assert Path(docs).is_file() and Path(docs).name == "index.html"
        assert check.metadata["validation_page"].value.startswith("file://")


def test_a_reader_holding_the_published_file_keeps_reading_its_release(published, gate_and_publish):
    home, _ = published
    before = os.readlink(home / "published" / "current")
    reader = duckdb.connect(str(home / "published" / "current" / "insight_hub.duckdb"), read_only=True)
    seen = reader.execute("select count(*), sum(amount_gbp) from bi.fct_spend").fetchone()

    result = gate_and_publish(home)

    assert result.success and released(result)
    assert os.readlink(home / "published" / "current") != before
    assert reader.execute("select count(*), sum(amount_gbp) from bi.fct_spend").fetchone() == seen
    assert reader.execute("select count(*) from bi.dim_date").fetchone()[0] > 0
    reader.close()
    assert (home / "published" / before / "insight_hub.duckdb").is_file()
    # Nothing changed between the two releases: every Parquet file and extract is the previous one's.
    manifest = json.loads((home / "published" / "current" / "manifest.json").read_text())
    assert manifest["reuse"]["from"] == Path(before).name
    # Known limit (docs/publication.md, Publication by difference): the extract of an empty table
    # is written afresh, not reused (seen on 2026-12-07; the cause is not found yet).
    files = {
        audience: {
            table: [f for f in ("parquet", "hyper") if f in section["formats"]]
            for table, info in section["tables"].items()
            if info["rows"] > 0
        }
        for audience, section in manifest["audiences"].items()
        if {"parquet", "hyper"} & set(section["formats"])
    }
    reused = manifest["reuse"]["tables"]
    assert {a: {t: f for t, f in ts.items() if t in files.get(a, {})} for a, ts in reused.items()} == files
    assert files["internal"]
    sets = manifest["audiences"]
    empty = {(a, t) for a, s in sets.items() for t, i in s["tables"].items() if i["rows"] == 0}
    assert all("parquet" in reused[a][t] for a, t in empty if a in files), "empty tables' Parquet is reused"
    [metadata] = [
        e.event_specific_data.materialization.metadata
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION and e.asset_key == RELEASE_KEY
    ]
    assert metadata["files_reused_from"].value == Path(before).name
    assert metadata["tables_reused_by_audience"].value == {a: sorted(t) for a, t in reused.items()}
    for audience, tables in files.items():
        folder = manifest["audiences"][audience]["folder"]
        for table, formats in tables.items():
            for kind in formats:
                new, old = (
                    home / "published" / r / folder / kind / f"{table}.{kind}" for r in ("current", before)
                )
                assert new.stat().st_ino == old.stat().st_ino


def test_a_failed_blocking_check_publishes_nothing_and_leaves_current_byte_identical(
    published, gate_and_publish
):
    home, _ = published
    state = tree_state(home / "published")
    warehouse = duckdb.connect(str(home / "warehouse.duckdb"))
    warehouse.execute("create table bi.fct_spend_kept as select * from bi.fct_spend")
    warehouse.execute("delete from bi.fct_spend where rowid % 10 <> 0")  # a sudden 90 % drop
    warehouse.close()
    try:
        result = gate_and_publish(home)
    finally:
        warehouse = duckdb.connect(str(home / "warehouse.duckdb"))
        warehouse.execute("create or replace table bi.fct_spend as select * from bi.fct_spend_kept")
        warehouse.execute("drop table bi.fct_spend_kept")
        warehouse.close()

    failed = [c for c in check_evaluations(result) if not c.passed]
    assert [(c.asset_key.to_user_string(), c.check_name) for c in failed] == [
        ("bi/fct_spend", "gx_fct_spend")
    ]
    assert failed[0].blocking and failed[0].severity == dg.AssetCheckSeverity.ERROR
    assert [f["kwargs"]["column"] for f in failed[0].metadata["expectations_failed"].value] == ["table_rows"]
    assert not released(result)
    assert tree_state(home / "published") == state


def test_transparency_files_cover_the_complete_months_only(published):
    home, _ = published
    manifest = json.loads((home / "published" / "current" / "manifest.json").read_text())
    reporting = date.fromisoformat(manifest["reporting_date"])
    files = sorted(p.name for p in (home / "published" / "transparency").glob("*.csv"))
    assert files and files == sorted(manifest["transparency_files"])
    monthly = [f for f in files if re.fullmatch(r"spend_over_500_\d{4}-\d{2}\.csv", f)]
    last = date.fromisoformat(monthly[-1][len("spend_over_500_") : -len(".csv")] + "-01")
    # The months that have ended by the reporting date (dbt's has_ended, as is_complete reads it).
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        ended = con.execute("select max(month) from intermediate.int_reporting_months where has_ended")
        last_ended = ended.fetchone()[0]
    assert last == last_ended
    # the reporting month has a file only when the reporting date is its last day
    assert (last == reporting.replace(day=1)) == ((reporting + timedelta(days=1)).day == 1)
    text = (home / "published" / "transparency" / monthly[-1]).read_bytes()
    assert text.startswith(b"\xef\xbb\xbfBody name,Transaction date,Transaction number,Supplier name,")
