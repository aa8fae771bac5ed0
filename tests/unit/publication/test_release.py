"""Releases: built complete or not at all, audited, verified, switched atomically, pruned, rolled back."""

import csv
import json
import os
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pack_pages import PACK_FILES
from release_docs import with_docs
from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry

from publication.audiences import AudiencePlan
from publication.fingerprint import table_fingerprint
from publication.gate import ReleaseRefused
from publication.hyper import column_comments, hyper_process
from publication.release import (
    DICTIONARY_COLUMNS,
    ReleaseError,
    ReleaseInputs,
    build_release,
    current_release,
    list_releases,
    prune_releases,
    releases_dir,
    switch_current,
    verify_release,
)

EXTRACT = TableName("Extract", "Extract")
BASE = ReleaseInputs(
    run_id="run-1",
    source_files=[{"name": "PA0001_20250401.txt", "feed": "ibc/hr", "sha256": "ab", "rows": 2}],
    checks=[],
    versions={"insight-hub": "0.1.0"},
    reporting_date=date(2025, 4, 30),
    ended_months=(date(2025, 4, 1),),
    audiences=AudiencePlan({"kpi": "internal", "odd": "internal"}),
)


def audited(warehouse, **changes) -> ReleaseInputs:
    """Inputs whose one blocking check per `bi` table passed on the table as it is now."""
    con = duckdb.connect(str(warehouse), read_only=True)
    tables = [
        r[0]
        for r in con.execute("select table_name from duckdb_tables() where schema_name = 'bi'").fetchall()
    ]
    checks = [
        {
            "asset": f"bi/{t}",
            "check": "c",
            "blocking": True,
            "passed": True,
            "fingerprint": table_fingerprint(con, f"bi.{t}"),
            "run_id": "run-0",
        }
        for t in tables
    ]
    con.close()
    audiences = with_docs(changes.pop("audiences", BASE.audiences), warehouse)
    return ReleaseInputs(**{**BASE.__dict__, "checks": checks, "audiences": audiences, **changes})


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema bi; create table bi.kpi as select range as n from range(5)")
    con.execute("create schema restricted; create table restricted.people as select 'x' as name")
    con.close()
    return path


def test_build_release_copies_bi_only_in_both_formats_with_a_manifest(tmp_path, warehouse):
    published = tmp_path / "published"
    folder = build_release(warehouse, published, audited(warehouse))
    manifest = json.loads((folder / "manifest.json").read_text())
    kpi = manifest["tables"]["kpi"]
    assert list(manifest["tables"]) == ["kpi"] and kpi["rows"] == 5
    assert kpi["columns"] == [{"name": "n", "type": "BIGINT", "description": "The n of kpi."}]
    assert kpi["description"] == "The table kpi." and kpi["checks_passed"] == ["c"]
    assert kpi["fingerprint"] == audited(warehouse).checks[0]["fingerprint"]
    assert manifest["checks"][0]["on_published_content"] is True
    assert manifest["source_files"] == BASE.source_files and manifest["run_id"] == "run-1"
    con = duckdb.connect(str(folder / "insight_hub.duckdb"), read_only=True)
    schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
    con.close()
    assert schemas == {"bi"}
    assert (folder / "parquet" / "kpi.parquet").exists()
    assert current_release(published) is None  # building never switches


def test_descriptions_travel_with_the_data_in_every_format(tmp_path, warehouse):
    """The dbt docs' descriptions: DuckDB comments, Parquet key-value metadata, dictionary.csv."""
    folder = build_release(warehouse, tmp_path / "published", audited(warehouse))
    with duckdb.connect(str(folder / "insight_hub.duckdb"), read_only=True) as con:
        assert con.execute("select comment from duckdb_tables() where table_name = 'kpi'").fetchall() == [
            ("The table kpi.",)
        ]
        assert con.execute(
            "select column_name, comment from duckdb_columns() where table_name = 'kpi'"
        ).fetchall() == [("n", "The n of kpi.")]
        metadata = dict(
            con.execute(
                "select decode(key), decode(value) from parquet_kv_metadata(?)",
                [str(folder / "parquet" / "kpi.parquet")],
            ).fetchall()
        )
    assert metadata["description"] == "The table kpi."
    assert json.loads(metadata["column_descriptions"]) == {"n": "The n of kpi."}
    # Hyper keeps column comments (it has no COMMENT ON TABLE); read from a copy, as verification does.
    extract = shutil.copy(folder / "hyper" / "kpi.hyper", tmp_path / "kpi.hyper")
    with hyper_process(tmp_path / "hyper-logs") as process:
        assert column_comments(process, Path(extract)) == {"n": "The n of kpi."}
    with (folder / "dictionary.csv").open(newline="") as f:
        assert list(csv.DictReader(f)) == [
            {
                "table": "kpi",
                "table_description": "The table kpi.",
                "column": "n",
                "type": "BIGINT",
                "description": "The n of kpi.",
                **dict.fromkeys(DICTIONARY_COLUMNS[5:-1], ""),  # no unit or KPI fields in these docs
                "audience": "internal",
            }
        ]


def test_the_dictionary_carries_each_kpi_columns_unit_and_definition(tmp_path, warehouse):
    """A KPI column's unit and KPI fields come from its dbt meta, its definition is its description,
    its source feeds dbt's lineage; the manifest summarises the restatements table (none here)."""
    inputs = audited(warehouse)
    docs = replace(
        inputs.audiences.docs["kpi"],
        column_meta={"n": {"unit": "count", "kpi": {"null_rule": "0 when nothing was counted"}}},
        meta={"audience": "internal", "kpi": {"owner": "Head of counting"}},
        sources=("ibc_fi_items", "ibc_lfa1"),
    )
    inputs = replace(inputs, audiences=replace(inputs.audiences, docs={**inputs.audiences.docs, "kpi": docs}))
    folder = build_release(warehouse, tmp_path / "published", inputs)
    with (folder / "dictionary.csv").open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert list(row) == list(DICTIONARY_COLUMNS)
    assert row["unit"] == "count" and row["kpi_definition"] == "The n of kpi."
    assert row["kpi_null_rule"] == "0 when nothing was counted" and row["kpi_owner"] == "Head of counting"
    assert row["kpi_source_feeds"] == "ibc_fi_items ibc_lfa1" and row["kpi_numerator"] == ""
    assert json.loads((folder / "manifest.json").read_text())["restatements"] == {"cells": 0, "by_table": {}}


@pytest.mark.parametrize("missing", ["table", "column"])
def test_a_published_table_or_column_without_a_description_is_refused(tmp_path, warehouse, missing):
    inputs = audited(warehouse)
    docs = inputs.audiences.docs["kpi"]
    docs = replace(docs, description="") if missing == "table" else replace(docs, columns={"n": " "})
    plan = replace(inputs.audiences, docs={"kpi": docs})
    with pytest.raises(ReleaseRefused) as refused:
        build_release(warehouse, tmp_path / "published", replace(inputs, audiences=plan))
    expected = "bi/kpi: no description" if missing == "table" else "bi/kpi.n: no description"
    assert any(p.startswith(expected) for p in refused.value.problems), refused.value.problems
    assert not list((tmp_path / "published").glob("releases/*"))


def test_restatements_computed_against_another_release_than_current_are_refused(tmp_path, warehouse):
    """bi.restatements must compare with the release `current` points at; a table left from a
    comparison with an older release (the restatements step did not run since) refuses the release."""
    published = tmp_path / "published"
    plan = AudiencePlan({**BASE.audiences.audiences, "restatements": "internal"})
    first = build_release(warehouse, published, audited(warehouse, audiences=plan)).name
    switch_current(published, first)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table bi.restatements as select 'kpi' as table_name, 1.0 as delta, "
            "'19990101T000000Z' as previous_release_id"
        )
    with pytest.raises(ReleaseRefused) as refused:
        build_release(warehouse, published, audited(warehouse, audiences=plan))
    assert refused.value.problems == [
        "bi/restatements: compares with release(s) 19990101T000000Z, but `current` is "
        f"{first}: these restatements are not this release's. Run `insight-hub publish`, which "
        "recomputes them against `current` and publishes."
    ]
    with duckdb.connect(str(warehouse)) as con:  # recomputed against `current`: published
        con.execute("update bi.restatements set previous_release_id = ?", [first])
    assert build_release(warehouse, published, audited(warehouse, audiences=plan)).name > first


def test_switch_is_atomic_and_rollback_returns_to_an_earlier_release(tmp_path, warehouse):
    published = tmp_path / "published"
    first = build_release(warehouse, published, audited(warehouse)).name
    switch_current(published, first)
    second = build_release(warehouse, published, audited(warehouse)).name
    assert second > first
    switch_current(published, second)
    assert current_release(published) == second
    switch_current(published, first)
    assert os.readlink(published / "current") == f"releases/{first}"
    with pytest.raises(ReleaseError):
        switch_current(published, "20000101T000000Z")


def test_verify_refuses_a_release_whose_formats_disagree(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", audited(warehouse))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["kpi"]["rows"] = 4
    (folder / "manifest.json").chmod(0o644)  # release files are read-only: tampering needs this
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        ReleaseError, match=r"kpi \(internal set\) has 5 in duckdb, 5 in parquet, 5 in hyper and 4"
    ):
        verify_release(folder, tmp_path / "logs")


def test_prune_keeps_the_newest_and_never_the_current(tmp_path, warehouse):
    published = tmp_path / "published"
    ids = [build_release(warehouse, published, audited(warehouse)).name for _ in range(4)]
    switch_current(published, ids[0])
    removed = prune_releases(published, keep=2)
    assert removed == [ids[1]]
    assert list_releases(published) == [ids[0], ids[2], ids[3]]


def test_published_file_opens_with_the_older_storage_format(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", audited(warehouse))
    con = duckdb.connect()
    con.execute(f"attach '{folder / 'insight_hub.duckdb'}' as rel (read_only)")
    version = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = 'rel'"
    ).fetchone()
    con.close()
    # v1.0.0+ storage (version number 64): DuckDB 1.1 and later open it; a v1.2+ file would not.
    assert version[0].startswith(("v1.0", "v1.1"))


def test_hyper_extracts_map_every_duckdb_type_and_hold_the_same_rows(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        """create schema bi; create type colour as enum ('red', 'green');
           create table bi.odd as select
             range::hugeint as big, range::ubigint as ubig, 1.5::float as f, 2.5::decimal(38, 2) as wide,
             (range / 3)::decimal(18, 2) as amount, timestamptz '2025-04-01 10:00:00+01' as at_tz,
             timestamp '2025-04-01 10:00:00' as at, date '2025-04-01' + range::integer as day,
             uuid() as id, ['a', 'b'] as tags, {'k': range} as s, 'red'::colour as e,
             range % 2 = 0 as flag, case when range = 1 then null else 'ok' end as note
           from range(3)"""
    )
    con.close()
    folder = build_release(path, tmp_path / "published", audited(path))
    with (
        HyperProcess(
            Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(tmp_path / "logs")}
        ) as hp,
        Connection(hp.endpoint, str(folder / "hyper" / "odd.hyper")) as c,
    ):
        columns = {
            str(col.name).strip('"'): str(col.type) for col in c.catalog.get_table_definition(EXTRACT).columns
        }
        rows = c.execute_list_query(
            'select big, amount, day, tags, flag, note from "Extract"."Extract" order by big'
        )
    assert columns["big"] == "BIG_INT" and columns["amount"] == columns["wide"] == "NUMERIC(18, 2)"
    assert columns["at_tz"] == "TIMESTAMP_TZ" and columns["day"] == "DATE" and columns["tags"] == "TEXT"
    assert [(r[0], r[1], str(r[2]), r[3], r[4], r[5]) for r in rows] == [
        (0, Decimal("0.00"), "2025-04-01", "[a, b]", True, "ok"),
        (1, Decimal("0.33"), "2025-04-02", "[a, b]", False, None),
        (2, Decimal("0.67"), "2025-04-03", "[a, b]", True, "ok"),
    ]
    assert (folder / "parquet" / "odd.parquet").exists() and not (folder / ".hyper_feed").exists()


def test_the_identity_model_is_attached_and_every_file_is_in_the_manifest(tmp_path, warehouse):
    model = tmp_path / "identity" / "model.json"
    model.parent.mkdir()
    model.write_text('{"comparisons": []}')
    inputs = audited(warehouse, attachments=(model,))
    folder = build_release(warehouse, tmp_path / "published", inputs)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (folder / "identity" / "model.json").read_text() == '{"comparisons": []}'
    assert set(manifest["files"]) == {
        "insight_hub.duckdb",
        "dictionary.csv",
        "parquet/kpi.parquet",
        "hyper/kpi.hyper",
        "identity/model.json",
        *PACK_FILES,
        "open/insight_hub.duckdb",
        "open/dictionary.csv",
        "open/manifest.json",
        "restricted/insight_hub.duckdb",
        "restricted/dictionary.csv",
        "restricted/manifest.json",
    }
    assert set(manifest["audiences"]["internal"]["files"]) == {
        "insight_hub.duckdb",
        "dictionary.csv",
        "parquet/kpi.parquet",
        "hyper/kpi.hyper",
        "identity/model.json",
        *PACK_FILES,
    }


def test_verify_refuses_a_release_whose_files_changed(tmp_path, warehouse):
    published = tmp_path / "published"
    folder = build_release(warehouse, published, audited(warehouse))
    (folder / "identity").mkdir()
    (folder / "parquet" / "kpi.parquet").chmod(0o644)
    with (folder / "parquet" / "kpi.parquet").open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(ReleaseError, match="parquet/kpi.parquet is missing or differs"):
        switch_current(published, folder.name)
    assert current_release(published) is None


def test_a_failed_build_leaves_no_partial_release(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()  # no `bi` schema at all
    published = tmp_path / "published"
    with pytest.raises(ReleaseError, match="no tables in schema `bi`"):
        build_release(path, published, BASE)
    assert list(releases_dir(published).iterdir()) == []


def test_every_file_of_a_release_is_read_only_on_disk(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", audited(warehouse))
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o222 == 0 for p in files)


def test_verifying_a_release_never_changes_its_files(tmp_path, warehouse):
    published = tmp_path / "published"
    folder = build_release(warehouse, published, audited(warehouse))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    verify_release(folder, tmp_path / "logs")
    switch_current(published, folder.name)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()} == before


def test_a_release_is_refused_when_a_blocking_check_judged_other_content(tmp_path, warehouse):
    inputs = audited(warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("update bi.kpi set n = n + 1 where n = 4")  # changed after it was judged
    con.close()
    published = tmp_path / "published"
    with pytest.raises(ReleaseRefused, match=r"bi/kpi:c: STALE: passed on content v1-5-") as refused:
        build_release(warehouse, published, inputs)
    assert "insight-hub publish" in str(refused.value)
    assert list(releases_dir(published).iterdir()) == []


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"passed": False}, "bi/kpi:c: FAILED (run run-0)"),
        ({"passed": None, "fingerprint": None, "run_id": None}, "bi/kpi:c: never evaluated"),
        ({"fingerprint": None}, "bi/kpi:c: passed without recording the content it judged"),
        ({"blocking": False}, "bi/kpi: no blocking check judges this table"),
    ],
)
def test_a_release_is_refused_unless_every_blocking_check_passed_on_it(tmp_path, warehouse, change, said):
    inputs = audited(warehouse)
    inputs = ReleaseInputs(**{**inputs.__dict__, "checks": [{**inputs.checks[0], **change}]})
    published = tmp_path / "published"
    with pytest.raises(ReleaseRefused) as refused:
        build_release(warehouse, published, inputs)
    assert said in str(refused.value)
    assert list(releases_dir(published).iterdir()) == []
