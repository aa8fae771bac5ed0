"""The 6-year single_customer_view class counts from the customer's true last contact, kept in
restricted.customer_last_contact, although the 2-year classes removed the dated records long before.

Hand-made identity (the shipped schedule): customer kA has two CRM contacts of 2020 and a library
record; customer kB (loaded later) a contact of mid-2025 and a blue badge record. Night 1
(2023-06-15) removes kA's contacts (2 years) and keeps kA; night 2 (2026-07-01, six years after
kA's last contact) removes kA whole and leaves kB untouched.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from identity_raw import add_rows

from identity import erasure, retention, subjects

SALT = "last-contact-salt"
NIGHT_1 = date(2023, 6, 15)
NIGHT_2 = date(2026, 7, 1)
KA_LAST = datetime(2020, 6, 1, 9, 0)
KB_LAST = datetime(2025, 6, 1, 9, 0)


@pytest.fixture
def con(raw_con: duckdb.DuckDBPyConnection, monkeypatch) -> duckdb.DuckDBPyConnection:
    monkeypatch.delenv(retention.SCHEDULE_VARIABLE, raising=False)  # the shipped schedule
    add_rows(
        raw_con,
        "csc_crm_contacts",
        "contacts_2020.csv",
        [
            {"contact_id": "C1", "created_at": datetime(2020, 3, 1, 9, 0)},
            {"contact_id": "C2", "created_at": KA_LAST},
        ],
    )
    add_rows(raw_con, "person_index_libraries", "libraries.csv", [{"source_person_id": "L1"}])
    raw_con.execute("create schema restricted")
    raw_con.execute(
        "create table restricted.customer_xref (source_system varchar, source_record_id varchar, "
        "customer_key varchar)"
    )
    raw_con.execute("insert into restricted.customer_xref values ('crm', 'C1', 'kA'), ('crm', 'C2', 'kA')")
    raw_con.execute("insert into restricted.customer_xref values ('libraries', 'L1', 'kA')")
    raw_con.execute("create table restricted.customer_golden as select 'kA' as customer_key")
    return raw_con


def load_kb(con: duckdb.DuckDBPyConnection) -> None:
    """Customer kB, delivered and resolved after night 1."""
    add_rows(con, "csc_crm_contacts", "contacts_2025.csv", [{"contact_id": "C3", "created_at": KB_LAST}])
    add_rows(con, "person_index_blue_badge", "blue_badge.csv", [{"source_person_id": "B1"}])
    con.execute("insert into restricted.customer_xref values ('crm', 'C3', 'kB'), ('blue_badge', 'B1', 'kB')")
    con.execute("insert into restricted.customer_golden values ('kB')")


def held(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    return {
        "contacts": con.execute("select contact_id from raw.csc_crm_contacts order by 1").fetchall(),
        "libraries": con.execute("select source_person_id from raw.person_index_libraries").fetchall(),
        "blue_badge": con.execute("select source_person_id from raw.person_index_blue_badge").fetchall(),
        "xref": con.execute("select source_record_id from restricted.customer_xref order by 1").fetchall(),
        "golden": con.execute("select customer_key from restricted.customer_golden order by 1").fetchall(),
        "last_contact": con.execute("from restricted.customer_last_contact order by 1").fetchall(),
    }


def counts(applied: list[retention.Applied]) -> list[tuple[str, int, int]]:
    return [(a.data_class, a.records, a.rows) for a in applied if a.records or a.rows]


def test_the_six_year_class_removes_a_customer_six_years_after_a_last_contact_removed_at_two(
    con, tmp_path: Path
):
    night_1 = retention.apply(con, tmp_path, SALT, NIGHT_1)
    assert [a.data_class for a in night_1] == ["customer_contacts"]
    after_1 = held(con)
    assert after_1["contacts"] == [] and after_1["libraries"] == [("L1",)]
    assert after_1["xref"] == [("L1",)] and after_1["golden"] == [("kA",)]
    assert after_1["last_contact"] == [("kA", KA_LAST)]

    load_kb(con)
    before_2 = held(con)
    previewed = retention.preview(con, tmp_path, NIGHT_2)
    assert held(con) == before_2  # the dry run's kept dates were rolled back with its deletes
    night_2 = retention.apply(con, tmp_path, SALT, NIGHT_2)
    assert counts(night_2) == counts(previewed)
    assert [a.data_class for a in night_2] == ["single_customer_view"]
    after_2 = held(con)
    assert after_2 == {
        "contacts": [("C3",)],
        "libraries": [],
        "blue_badge": [("B1",)],
        "xref": [("B1",), ("C3",)],
        "golden": [("kB",)],
        "last_contact": [("kB", KB_LAST)],
    }


def test_a_changed_key_carries_its_date_and_a_key_no_longer_resolved_is_dropped(con, tmp_path: Path):
    retention.apply(con, tmp_path, SALT, NIGHT_1)
    con.execute("insert into restricted.customer_last_contact values ('kGone', ?)", [KA_LAST])
    # Identity re-ran: kA merged into an earlier customer kE (who holds a library record of their own).
    con.execute("update restricted.customer_xref set customer_key = 'kE'")
    con.execute("insert into restricted.customer_xref values ('libraries', 'L0', 'kE')")
    con.execute(
        "create table restricted.customer_key_changes as "
        "select 'libraries' as source_system, 'L1' as source_record_id, "
        "'kA' as previous_customer_key, 'kE' as customer_key"
    )
    retention.keep_last_contact(con)
    assert held(con)["last_contact"] == [("kE", KA_LAST)]


def test_erasure_removes_the_kept_date_and_subject_access_returns_it(con, tmp_path: Path):
    retention.apply(con, tmp_path, SALT, NIGHT_1)
    subjects.resolve(con, customer_key="kA")
    answer = subjects.write_subject_access(con, tmp_path / "answer")
    assert answer["restricted.customer_last_contact"] == 1
    summary = erasure.erase(con, tmp_path, SALT, customer_key="kA")
    assert summary.rows["restricted.customer_last_contact"] == 1
    assert held(con)["last_contact"] == []
