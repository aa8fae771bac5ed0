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
