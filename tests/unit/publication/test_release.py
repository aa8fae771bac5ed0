"""Releases: built complete or not at all, verified, switched atomically, pruned, rolled back."""

import json
import os
from datetime import date

import duckdb
import pytest

from publication.release import (
    ReleaseError,
    ReleaseInputs,
    build_release,
    current_release,
    list_releases,
    prune_releases,
    switch_current,
    verify_release,
)

INPUTS = ReleaseInputs(
    run_id="run-1",
    source_files=[{"name": "PA0001_20250401.txt", "feed": "ibc/hr", "sha256": "ab", "rows": 2}],
    checks=[{"asset": "bi/t", "check": "c", "passed": True, "blocking": True}],
    versions={"insight-hub": "0.1.0"},
    reporting_date=date(2025, 4, 30),
)


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
    folder = build_release(warehouse, published, INPUTS)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"] == {"kpi": {"rows": 5, "columns": [{"name": "n", "type": "BIGINT"}]}}
    assert manifest["source_files"] == INPUTS.source_files and manifest["run_id"] == "run-1"
    con = duckdb.connect(str(folder / "insight_hub.duckdb"), read_only=True)
    schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
    con.close()
    assert schemas == {"bi"}
    assert (folder / "parquet" / "kpi.parquet").exists()
    assert current_release(published) is None  # building never switches


def test_switch_is_atomic_and_rollback_returns_to_an_earlier_release(tmp_path, warehouse):
    published = tmp_path / "published"
    first = build_release(warehouse, published, INPUTS).name
    switch_current(published, first)
    second = build_release(warehouse, published, INPUTS).name
    assert second > first
    switch_current(published, second)
    assert current_release(published) == second
    switch_current(published, first)
    assert os.readlink(published / "current") == f"releases/{first}"
    with pytest.raises(ReleaseError):
        switch_current(published, "20000101T000000Z")


def test_verify_refuses_a_release_whose_formats_disagree(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", INPUTS)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["kpi"]["rows"] = 4
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ReleaseError, match="kpi has 5 rows"):
        verify_release(folder, tmp_path / "logs")


def test_prune_keeps_the_newest_and_never_the_current(tmp_path, warehouse):
    published = tmp_path / "published"
    ids = [build_release(warehouse, published, INPUTS).name for _ in range(4)]
    switch_current(published, ids[0])
    removed = prune_releases(published, keep=2)
    assert removed == [ids[1]]
    assert list_releases(published) == [ids[0], ids[2], ids[3]]


def test_published_file_opens_with_the_older_storage_format(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", INPUTS)
    con = duckdb.connect()
    con.execute(f"attach '{folder / 'insight_hub.duckdb'}' as rel (read_only)")
    version = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = 'rel'"
    ).fetchone()
    con.close()
    # v1.0.0+ storage (version number 64): DuckDB 1.1 and later open it; a v1.2+ file would not.
    assert version[0].startswith(("v1.0", "v1.1"))
