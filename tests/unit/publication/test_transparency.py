"""The transparency file: the contract's CSV layout, one file per ended month only."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from publication.transparency import publish_transparency_files, write_transparency_files

HEADER = (
    "Body name,Transaction date,Transaction number,Supplier name,Supplier ID,Net amount,Irrecoverable VAT,"
    "Department,Service area,Expense type,Procurement category,Purpose,Card transaction"
)

ENDED_TO_MAY = (date(2025, 4, 1), date(2025, 5, 1))
ENDED_TO_JUNE = (*ENDED_TO_MAY, date(2025, 6, 1))


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(
        """create table t (body_name varchar, transaction_date date, transaction_number varchar,
           supplier_name varchar, supplier_id varchar, net_amount decimal(18, 2),
           irrecoverable_vat decimal(18, 2), department varchar, service_area varchar,
           expense_type varchar, procurement_category varchar, purpose varchar, card_transaction varchar)"""
    )
    rows = [
        (
            date(2025, 4, 3),
            "5100000002",
            "Redacted personal data",
            None,
            Decimal("512.5"),
            "Transfer payments",
        ),
        (date(2025, 4, 1), "5100000001", "Acme, Care & Co", "0000100001", Decimal("1234567.891"), "Premises"),
        (date(2025, 5, 2), "5200000001", "Beta Ltd", "0000100002", Decimal("-600"), "Transport"),
        (date(2025, 7, 1), "5300000001", "Gamma Ltd", "0000100003", Decimal("700"), "Transport"),
    ]
    for day, number, supplier, supplier_id, amount, expense_type in rows:
        con.execute(
            "insert into t values ('Oxfordshire County Council', ?, ?, ?, ?, ?, 0, 'Adult Services', "
            "'Care \"Homes\"', ?, null, 'Generic', 'N')",
            [day, number, supplier, supplier_id, amount, expense_type],
        )
    return con


def test_a_file_for_each_ended_month_from_the_first_with_spend_and_none_for_another(con, tmp_path):
    # The months come from dbt (int_reporting_months.has_ended, as is_complete): on a reporting date
    # of 31 May, May has ended and gets its file; March, before the first spend, gets none.
    ended = (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1))
    written = write_transparency_files(con, "t", tmp_path, ended_months=ended)
    assert [p.name for p in written] == ["spend_over_500_2025-04.csv", "spend_over_500_2025-05.csv"]
    assert write_transparency_files(con, "t", tmp_path / "none", ended_months=()) == []


def test_files_follow_the_contract_layout(con, tmp_path):
    written = write_transparency_files(con, "t", tmp_path, ended_months=ENDED_TO_JUNE)
    assert [p.name for p in written] == [
        "spend_over_500_2025-04.csv",
        "spend_over_500_2025-05.csv",
        "spend_over_500_2025-06.csv",  # a complete month with no spend still gets its file
    ]
    april = (tmp_path / "spend_over_500_2025-04.csv").read_bytes()
    assert april.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = april.decode("utf-8-sig").split("\r\n")
    assert lines[0] == HEADER
    assert lines[1] == (
        'Oxfordshire County Council,01/04/2025,5100000001,"Acme, Care & Co",0000100001,1234567.89,0.00,'
        'Adult Services,"Care ""Homes""",Premises,,Generic,N'
    )
    assert lines[2].split(",")[3:7] == ["Redacted personal data", "", "512.50", "0.00"]
    may = (tmp_path / "spend_over_500_2025-05.csv").read_text(encoding="utf-8-sig").splitlines()
    assert may[1].split(",")[5] == "-600.00"  # a credit note is negative
    assert (tmp_path / "spend_over_500_2025-06.csv").read_text(encoding="utf-8-sig").splitlines() == [HEADER]


def test_publishing_copies_only_new_or_changed_files(con, tmp_path):
    release = tmp_path / "release"
    write_transparency_files(con, "t", release / "open" / "transparency", ended_months=ENDED_TO_MAY)
    target = tmp_path / "published" / "transparency"
    assert publish_transparency_files(release, target) == [
        "spend_over_500_2025-04.csv",
        "spend_over_500_2025-05.csv",
    ]
    assert publish_transparency_files(release, target) == []
    con.execute("update t set net_amount = 999 where transaction_number = '5200000001'")
    write_transparency_files(con, "t", release / "open" / "transparency", ended_months=ENDED_TO_MAY)
    assert publish_transparency_files(release, target) == ["spend_over_500_2025-05.csv"]
    assert [p.name for p in target.iterdir()] == sorted(
        p.name for p in target.iterdir() if not p.name.startswith(".")
    )
