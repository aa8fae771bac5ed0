"""The layout's restricted area: review files hold residents' details, so only the owner reads them;
and the data root's files and folders, whoever writes them, are the owner's only (Layout.protect)."""

import os
import stat

import duckdb
import pytest

from ingestion.layout import PRIVATE_UMASK, Layout


@pytest.fixture
def umask():
    """Restore the test process's umask after a test that sets the data root's."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_everything_written_under_a_protected_root_is_the_owners_only(tmp_path, umask):
    os.umask(0o022)  # the usual default: files readable by everyone
    layout = Layout(tmp_path / "home")
    layout.protect()
    assert os.umask(PRIVATE_UMASK) == PRIVATE_UMASK
    assert mode(layout.home) == 0o711  # BI readers pass through to published/, never list the root
    with duckdb.connect(str(layout.warehouse)) as con:
        con.execute("create table t as select 1 as n")
        con.execute("checkpoint")
        con.execute("insert into t values (2)")  # not checkpointed: in the write-ahead log
        assert layout.warehouse_wal.exists() and mode(layout.warehouse_wal) == 0o600
    archived = layout.archive / "csc" / "crm" / "contacts_20250401.csv"
    archived.parent.mkdir(parents=True)
    archived.write_text("contact_id\nC1\n")
    assert mode(layout.warehouse) == 0o600 and mode(archived) == 0o600
    assert {mode(p) for p in (layout.archive, archived.parent)} == {0o700}


def test_a_root_an_earlier_version_left_open_is_closed(tmp_path, umask):
    os.umask(0o022)
    tmp_path.chmod(0o755)
    layout = Layout(tmp_path)
    for folder in (layout.archive, layout.quarantine, layout.dagster_home):
        folder.mkdir()
    duckdb.connect(str(layout.warehouse)).close()
    assert mode(layout.warehouse) == 0o644 and mode(layout.archive) == 0o755
    layout.protect()
    assert mode(layout.warehouse) == 0o600
    assert {mode(f) for f in (layout.archive, layout.quarantine, layout.dagster_home)} == {0o700}
    assert mode(tmp_path) == 0o755  # a root that existed keeps the mode its owner gave it


def test_the_identity_review_folder_is_made_owner_only_whatever_the_umask(tmp_path):
    folder = Layout(tmp_path).identity_review
    old = os.umask(0o022)  # the usual default: folders readable by everyone
    try:
        assert Layout.private_folder(folder) == folder
    finally:
        os.umask(old)
    for path in (folder, folder.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_an_existing_open_folder_is_closed(tmp_path):
    folder = Layout(tmp_path).identity_review
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    Layout.private_folder(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_data_root_with_a_quote_in_its_name_is_attached_whole(tmp_path):
    import duckdb

    from ingestion.layout import sql_path

    database = tmp_path / "council's warehouse" / "release.duckdb"
    database.parent.mkdir()
    duckdb.connect(str(database)).close()
    with duckdb.connect() as con:
        con.execute(f"attach '{sql_path(database)}' as previous (read_only)")
        assert con.execute(
            "select count(*) from duckdb_databases() where database_name = 'previous'"
        ).fetchone()[0]


def test_scratch_names_are_the_layouts_and_hidden_beside_what_they_become(tmp_path):
    layout = Layout(tmp_path)
    published = layout.published
    assert published.layout == layout  # the one walk up from published/ is the layout's
    building = published.building("20250101T000000Z")
    candidate = published.current_candidate("20250101T000000Z", 42)
    assert building.parent == published.releases and building.name.startswith(".")
    assert candidate.parent == published.root and candidate.name.startswith(".")
    building.mkdir(parents=True)
    candidate.symlink_to("releases/20250101T000000Z")
    (published.releases / "20250101T000000Z").mkdir()
    assert sorted(published.leftovers()) == sorted([building, candidate])  # never a release
    decoded = Layout.decoded(layout.tmp, "PA0001_20250101.txt")
    layout.tmp.mkdir()
    decoded.write_text("")
    assert layout.decoded_copies() == [decoded]
    assert Layout.compacting(layout.warehouse).parent == tmp_path
    assert Layout.compacting(layout.warehouse).name.startswith(".")
