"""Restatements: the restated KPI cells of closed months against the previous release, exact and
order-independent, with the files loaded since that release that touch the month (publication/restatements.py,
ingestion.register.loaded_since)."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion import register
from publication.descriptions import TableDocs
from publication.restatements import TABLE, material, per_table, write_restatements

PREVIOUS = {"release_id": "20250410T020000Z", "reporting_date": "2025-04-10"}
DOCS = {
    "kpi_spend_monthly": TableDocs(
        "Spend.", grain=("month", "directorate", "category"), sources=("ibc_fi_items", "ibc_lfa1")
    ),
    "kpi_csc_monthly": TableDocs("Contacts.", grain=("month", "service"), sources=("csc_crm_contacts",)),
    "dim_date": TableDocs("Days.", grain=("date_day",)),
}
SPEND = """select * from (values
    (date '2025-03-01', 'ADULTS', 'Supplies', 100.10::decimal(18,2), 0.5::double, false),
    (date '2025-03-01', 'FIRE', 'Supplies', 20.00::decimal(18,2), null::double, false),
    (date '2025-03-01', 'UNALLOCATED', null, 5.00::decimal(18,2), 1::double, true),
    (date '2025-04-01', 'ADULTS', 'Supplies', 7.00::decimal(18,2), 0.1::double, false)
) t(month, directorate, category, spend_gbp, pct_on_contract, is_complete)"""
CSC = "select * from (values (date '2025-03-01', 'Libraries', 10::bigint)) t(month, service, contacts)"


def _register(con: duckdb.DuckDBPyConnection, files: list[tuple]) -> None:
    register.record(
        con,
        [
            register.FileRow(feed, table, name, version, "loaded", file_date=day, sha256=sha)
            for feed, table, name, version, day, sha in files
        ],
        [],
    )


@pytest.fixture
def world(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A previous release (reporting date 10 April 2025: March is closed) and a warehouse that holds
    the same KPI tables, rows in another order, and the files that release was built from."""
    release = tmp_path / "release.duckdb"
    with duckdb.connect(str(release)) as previous:
        previous.execute("create schema bi")
        previous.execute(f"create table bi.kpi_spend_monthly as {SPEND}")
        previous.execute(f"create table bi.kpi_csc_monthly as {CSC}")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    register.create(con)
    con.execute("create schema bi")
    con.execute(f"create table bi.kpi_spend_monthly as select * from ({SPEND}) order by spend_gbp")
    con.execute(f"create table bi.kpi_csc_monthly as {CSC}")
    con.execute("create table bi.dim_date as select date '2025-03-01' as date_day")
    _register(
        con,
        [
            ("ibc/finance", "ibc_fi_items", "FI_ITEMS_20250305.txt", 1, date(2025, 3, 5), "a1"),
            ("ibc/finance", "ibc_fi_items", "FI_ITEMS_20250410.txt", 1, date(2025, 4, 10), "b1"),
            ("csc/crm", "csc_crm_contacts", "contacts_20250305.csv", 1, date(2025, 3, 5), "c1"),
        ],
    )
    con.execute(f"attach '{release}' as previous_release (read_only)")
    return con


def _known(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return register.latest_loaded_files(con)


def _rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        f"select table_name, month, grain, column_name, change, old_value, new_value, delta, source_files, "
        f"cause from {TABLE} order by all"
    ).fetchall()


def _write(con: duckdb.DuckDBPyConnection, known: list[dict]) -> int:
    return write_restatements(con, "previous_release", PREVIOUS, DOCS, register.loaded_since(con, known))


def test_with_no_previous_release_the_table_is_empty(world):
    assert write_restatements(world, None, None, DOCS, []) == 0
    assert _rows(world) == []


def test_the_same_content_in_another_row_order_restates_nothing(world):
    known = _known(world)
    assert register.loaded_since(world, known) == []
    assert _write(world, known) == 0


def test_a_corrected_file_for_a_closed_month_restates_exactly_the_cells_it_changed(world):
    known = _known(world)
    _register(world, [("ibc/finance", "ibc_fi_items", "FI_ITEMS_20250305.txt", 2, date(2025, 3, 5), "a2")])
    # The correction: 0.01 on ADULTS (an exact decimal change), a rate from NULL to a value on FIRE,
    # the open month April changed too (not closed at the previous release: no restatement).
    world.execute("update bi.kpi_spend_monthly set spend_gbp = spend_gbp + 0.01 where directorate = 'ADULTS'")
    world.execute("update bi.kpi_spend_monthly set pct_on_contract = 0.25 where directorate = 'FIRE'")
    # The NULL grain value (UNALLOCATED, no category) matches itself; a flag is no measure.
    world.execute("update bi.kpi_spend_monthly set is_complete = not is_complete")

    assert _write(world, known) == 2
    file = "FI_ITEMS_20250305.txt (version 2)"
    assert _rows(world) == [
        (
            "kpi_spend_monthly",
            date(2025, 3, 1),
            '{"month":"2025-03-01","directorate":"ADULTS","category":"Supplies"}',
            "spend_gbp",
            "changed",
            100.10,
            100.11,
            pytest.approx(0.01, abs=1e-12),
            file,
            "corrected version",
        ),
        (
            "kpi_spend_monthly",
            date(2025, 3, 1),
            '{"month":"2025-03-01","directorate":"FIRE","category":"Supplies"}',
            "pct_on_contract",
            "changed",
            None,
            0.25,
            None,
            file,
            "corrected version",
        ),
    ]
    assert per_table(world, TABLE) == {"kpi_spend_monthly": 2}
    assert material(world, 0.001) == [{"table": "kpi_spend_monthly", "cells": 2}]
    assert material(world, 1) == []


def test_a_late_file_names_its_month_only_and_rows_appearing_are_restated(world):
    known = _known(world)
    _register(
        world,
        [
            ("csc/crm", "csc_crm_contacts", "contacts_20250306.csv", 1, date(2025, 3, 6), "c2"),  # late
            ("csc/crm", "csc_crm_contacts", "contacts_20250411.csv", 1, date(2025, 4, 11), "c3"),  # new day
        ],
    )
    world.execute("update bi.kpi_csc_monthly set contacts = 12")
    world.execute("insert into bi.kpi_csc_monthly values (date '2025-03-01', 'Fire', 3)")
    assert _write(world, known) == 2
    rows = _rows(world)
    assert [(r[2], r[4], r[5], r[6], r[8], r[9]) for r in rows] == [
        (
            '{"month":"2025-03-01","service":"Fire"}',
            "added",
            None,
            3.0,
            "contacts_20250306.csv (version 1)",
            "late file",
        ),
        (
            '{"month":"2025-03-01","service":"Libraries"}',
            "changed",
            10.0,
            12.0,
            "contacts_20250306.csv (version 1)",
            "late file",
        ),
    ]


def test_a_vendor_master_file_reclassifies_every_month_and_an_unexplained_change_is_other(world):
    known = _known(world)
    _register(world, [("ibc/finance", "ibc_lfa1", "LFA1_20250411.txt", 1, date(2025, 4, 11), "v1")])
    world.execute("update bi.kpi_spend_monthly set spend_gbp = 0 where directorate = 'FIRE'")
    world.execute("update bi.kpi_csc_monthly set contacts = 11")
    assert _write(world, known) == 2
    causes = {(r[0], r[3]): (r[8], r[9]) for r in _rows(world)}
    assert causes == {
        ("kpi_spend_monthly", "spend_gbp"): ("LFA1_20250411.txt (version 1)", "reclassified supplier"),
        ("kpi_csc_monthly", "contacts"): (None, "other"),
    }


def test_a_copy_rewritten_by_an_erasure_is_not_a_new_file(world):
    known = _known(world)
    world.execute("update ops.file_register set sha256 = 'c1-redacted' where sha256 = 'c1'")
    world.execute(
        "insert into ops.file_redactions (feed_path, file_name, version, previous_sha256, sha256) "
        "values ('csc/crm', 'contacts_20250305.csv', 1, 'c1', 'c1-redacted')"
    )
    assert register.loaded_since(world, known) == []
