"""The layout's restricted area: review files hold residents' details, so only the owner reads them."""

import os
import stat

from ingestion.layout import Layout


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
