"""Publication by difference: a release reuses the previous release's Parquet and Hyper files of the
tables that did not change, stays complete without it, and never reuses a file that changed."""

import errno
import json
import shutil
from dataclasses import replace

import duckdb
import pytest
from test_release_audiences import PLAN, inputs, make_warehouse

from publication.audiences import RestrictedAccess
from publication.descriptions import TableDocs
from publication.release import build_release, switch_current, verify_release
from publication.reuse import PreviousRelease

# Every set with Parquet and Hyper files: the restricted set's copies configured too.
ALL_FORMATS = RestrictedAccess(formats=("duckdb", "parquet", "hyper"))
# The tables of each set: the internal set holds the open tables too.
TABLES = {"internal": ["kpi", "open_kpi"], "open": ["open_kpi"], "restricted": ["customer_360"]}
FOLDERS = {"internal": "", "open": "open/", "restricted": "restricted/"}


def data_files(release) -> dict[str, object]:
    """Every Parquet file and Hyper extract of a release, by path from its root."""
    return {
        f"{FOLDERS[a]}{kind}/{t}.{kind}": release / f"{FOLDERS[a]}{kind}/{t}.{kind}"
        for a, tables in TABLES.items()
        for t in tables
        for kind in ("parquet", "hyper")
    }


def same_file(a, b) -> bool:
    return a.stat().st_ino == b.stat().st_ino and a.stat().st_dev == b.stat().st_dev


@pytest.fixture
def published(tmp_path):
    """A warehouse published once (the release `current` points at), and the folder of that release."""
    warehouse = tmp_path / "warehouse.duckdb"
    make_warehouse(warehouse)
    published = tmp_path / "published"
    first = build_release(warehouse, published, inputs(warehouse, restricted=ALL_FORMATS))
    switch_current(published, first.name)
    return warehouse, published, first


def test_a_first_release_reuses_nothing_and_says_so(published):
    _, _, first = published
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["reuse"]["from"] is None and manifest["reuse"]["tables"] == {}
    assert set(manifest["reuse"]["writers"]) == {"duckdb", "tableauhyperapi"}


def test_nothing_changed_reuses_every_file_and_survives_the_previous_release(published, tmp_path):
    warehouse, published, first = published
    second = build_release(warehouse, published, inputs(warehouse, restricted=ALL_FORMATS))

    old, new = data_files(first), data_files(second)
    assert all(same_file(old[path], new[path]) for path in new), "every file hard-linked"
    manifest = verify_release(second, tmp_path / "logs")
    assert manifest["reuse"]["from"] == first.name
    assert manifest["reuse"]["tables"] == {
        audience: {table: ["parquet", "hyper"] for table in tables} for audience, tables in TABLES.items()
    }
    # The DuckDB set is written anew (it is where the gate fingerprints the content it judges).
    assert not same_file(first / "insight_hub.duckdb", second / "insight_hub.duckdb")

    shutil.rmtree(first)  # retention removes the previous release: the new one keeps the bytes
    verify_release(second, tmp_path / "logs")
    switch_current(published, second.name)


def test_a_changed_table_is_written_again_and_only_it(published, tmp_path):
    warehouse, published, first = published
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into bi.kpi values (99)")
    second = build_release(warehouse, published, inputs(warehouse, restricted=ALL_FORMATS))

    old, new = data_files(first), data_files(second)
    rewritten = {path for path in new if not same_file(old[path], new[path])}
    assert rewritten == {"parquet/kpi.parquet", "hyper/kpi.hyper"}
    manifest = verify_release(second, tmp_path / "logs")
    assert "kpi" not in manifest["reuse"]["tables"]["internal"]
    assert manifest["reuse"]["tables"]["internal"]["open_kpi"] == ["parquet", "hyper"]
    assert manifest["tables"]["kpi"]["rows"] == 6
    with duckdb.connect() as con:
        assert con.execute(
            "select count(*) from read_parquet(?)", [str(new["parquet/kpi.parquet"])]
        ).fetchone() == (6,)


def test_a_tampered_previous_file_is_not_reused(published, tmp_path):
    """A previous file whose digest no longer matches its manifest (an extract Tableau rewrote)."""
    warehouse, published, first = published
    extract = first / "open" / "hyper" / "open_kpi.hyper"
    extract.chmod(0o644)
    with extract.open("ab") as f:
        f.write(b"rewritten by a reader")
    second = build_release(warehouse, published, inputs(warehouse, restricted=ALL_FORMATS))

    old, new = data_files(first), data_files(second)
    assert not same_file(old["open/hyper/open_kpi.hyper"], new["open/hyper/open_kpi.hyper"])
    assert same_file(old["open/parquet/open_kpi.parquet"], new["open/parquet/open_kpi.parquet"])
    manifest = verify_release(second, tmp_path / "logs")
    assert manifest["reuse"]["tables"]["open"] == {"open_kpi": ["parquet"]}


def test_a_changed_description_writes_the_parquet_file_again(published, tmp_path):
    """The Parquet file carries the descriptions: the same rows with new docs are not the same file."""
    warehouse, published, first = published
    base = inputs(warehouse, restricted=ALL_FORMATS)
    docs = {
        **base.audiences.docs,
        "kpi": TableDocs("A better description.", base.audiences.docs["kpi"].columns),
    }
    second = build_release(warehouse, published, replace(base, audiences=replace(base.audiences, docs=docs)))

    assert not same_file(first / "parquet" / "kpi.parquet", second / "parquet" / "kpi.parquet")
    with duckdb.connect() as con:
        metadata = dict(
            con.execute(
                "select decode(key), decode(value) from parquet_kv_metadata(?)",
                [str(second / "parquet" / "kpi.parquet")],
            ).fetchall()
        )
    assert metadata["description"] == "A better description."
    verify_release(second, tmp_path / "logs")


def test_files_are_copied_where_they_cannot_be_linked(published, tmp_path, monkeypatch):
    warehouse, published, first = published

    def cross_device(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr("publication.reuse.os.link", cross_device)
    second = build_release(warehouse, published, inputs(warehouse, restricted=ALL_FORMATS))

    old, new = data_files(first), data_files(second)
    assert not any(same_file(old[path], new[path]) for path in new)
    assert all(old[path].read_bytes() == new[path].read_bytes() for path in new)
    manifest = verify_release(second, tmp_path / "logs")
    assert manifest["reuse"]["tables"]["internal"]["kpi"] == ["parquet", "hyper"]
    assert all(path.stat().st_mode & 0o222 == 0 for path in new.values())  # read-only as written files


def test_files_of_other_writer_versions_are_not_reused(published, monkeypatch):
    warehouse, published, first = published
    monkeypatch.setattr("publication.reuse.WRITERS", {"duckdb": "0.0.0", "tableauhyperapi": "0.0"})
    assert PreviousRelease.of(published) is None
    second = build_release(warehouse, published, inputs(warehouse, restricted=ALL_FORMATS))
    old, new = data_files(first), data_files(second)
    assert not any(same_file(old[path], new[path]) for path in new)


def test_restricted_files_are_not_reused_under_other_access_settings(published):
    _, published, _ = published
    previous = PreviousRelease.of(published)
    section = previous.manifest["audiences"]["restricted"]
    info = section["tables"]["customer_360"]
    assert previous.same_table("restricted", section, "customer_360", info)
    regrouped = {**section, "access": {**section["access"], "group": "analysts", "file_mode": "0o440"}}
    assert not previous.same_table("restricted", regrouped, "customer_360", info)


def test_the_fixture_has_every_set_with_its_tables(published):
    _, _, first = published
    manifest = json.loads((first / "manifest.json").read_text())
    assert {a: list(s["tables"]) for a, s in manifest["audiences"].items()} == TABLES
    assert set(PLAN.audiences.values()) == set(TABLES)
