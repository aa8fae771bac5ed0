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
