"""The register's row types name exactly the columns of its tables: callers fill in fields and a
misspelt or missing column fails where the row is made, not in SQL."""

from dataclasses import fields

import duckdb
import pytest

from ingestion import register


@pytest.mark.parametrize(
    ("row", "table", "stamp"),
    [
        (register.FileRow, "file_register", "processed_at"),
        (register.FindingRow, "ingestion_findings", "found_at"),
    ],
)
def test_each_row_type_names_its_tables_columns(row, table, stamp):
    con = duckdb.connect()
    register.create(con)
    columns = [c[0] for c in con.execute(f"describe ops.{table}").fetchall()]
    assert stamp in columns
    assert sorted(f.name for f in fields(row)) == sorted(c for c in columns if c != stamp)


def test_a_recorded_version_reads_back_through_the_owner():
    con = duckdb.connect()
    register.create(con)
    register.record(
        con,
        [register.FileRow("csc/crm", "csc_crm_contacts", "contacts_20250401.csv", 1, "loaded", sha256="ab")],
        [
            register.FindingRow(
                "csc/crm",
                "csc_crm_contacts",
                "contacts_20250401.csv",
                "ab",
                1,
                "late_arrival",
                "warning",
                0,
                "late",
            )
        ],
    )
    assert register.versions_of(con, "csc/crm", "contacts_20250401.csv") == [
        register.Version(1, "ab", "loaded")
    ]
    with pytest.raises(TypeError):
        register.FileRow("csc/crm", "t", "f", 1, "loaded", rows_loded=3)  # a misspelt column


def test_feed_totals_since_a_runs_start_count_only_what_was_registered_after_it():
    """Review finding F4: the refresh summary counts this run's files, not the history's."""
    con = duckdb.connect()
    register.create(con)
    earlier = register.FileRow("csc/crm", "t", "contacts_20250401.csv", 1, "loaded", rows_loaded=5)
    register.record(con, [earlier], [])
    run_start = register.clock()
    register.record(
        con,
        [
            register.FileRow("csc/crm", "t", "contacts_20250402.csv", 1, "loaded", rows_loaded=3),
            register.FileRow("csc/crm", "t", "contacts_20250403.csv", 1, "quarantined"),
        ],
        [],
    )
    assert register.feed_totals(con, since=run_start) == [("csc/crm", 1, 1, 3, 0)]
    assert register.feed_totals(con) == [("csc/crm", 2, 1, 8, 0)]
    assert register.feed_totals(con, since=register.clock()) == []


def test_a_release_lists_the_loaded_version_of_a_name_whose_update_was_refused():
    """Review finding F4: version 2 refused as records_lost replaces nothing, so the release's
    sources name version 1 (its rows are loaded); a name with no loaded version is not a source,
    and a loaded re-delivery replaces the version before it."""
    con = duckdb.connect()
    register.create(con)
    cards, crm, card = "procurement/cards", "csc/crm", "pcard_transactions_202504.csv"
    versions = [
        register.FileRow(cards, "t", card, 1, "loaded", sha256="a1", rows_loaded=5),
        register.FileRow(cards, "t", card, 2, "quarantined", sha256="a2",
                         check_failed="records_lost"),
        register.FileRow(crm, "t", "contacts_20250401.csv", 1, "loaded", sha256="b1", rows_loaded=3),
        register.FileRow(crm, "t", "contacts_20250401.csv", 2, "loaded_with_quarantine", sha256="b2",
                         rows_loaded=4),
        register.FileRow(crm, "t", "contacts_20250402.csv", 1, "quarantined", sha256="c1"),
    ]  # fmt: skip
    register.record(con, versions, [])
    assert [(f["feed"], f["name"], f["sha256"], f["rows"]) for f in register.latest_loaded_files(con)] == [
        (crm, "contacts_20250401.csv", "b2", 4),
        (cards, card, "a1", 5),
    ]
