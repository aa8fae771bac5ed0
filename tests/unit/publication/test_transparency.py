"""The transparency file: the contract's CSV layout, one file per ended month only."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from publication.transparency import (
    PURCHASE_CARDS,
    SPEND_OVER_500_QUARTERLY,
    publish_transparency_files,
    write_all_transparency_files,
    write_files,
    write_transparency_files,
)

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


# The statutory files (docs/statutory.md): the same writer, the same CSV conventions.


@pytest.fixture
def statutory(tmp_path):
    con = duckdb.connect()
    con.execute("create schema bi")
    con.execute(
        """create table bi.payments_compliance_notice (period_start date, period_end date, scope varchar,
           invoices_paid bigint, avg_days_to_pay double, pct_paid_1_30_days double,
           pct_paid_31_60_days double, pct_paid_61_plus_days double, invoices_payable bigint,
           pct_payable_not_paid_in_period double, unknown_invoices_paid bigint, missing_source_days integer,
           is_complete boolean)"""
    )
    con.execute(
        """insert into bi.payments_compliance_notice values
           ('2024-10-01', '2025-03-31', 'all_invoices', 6, 44.0, 0.5, 2 / 6, 1 / 6, 7, 2 / 7, 1, 48, false),
           ('2024-10-01', '2025-03-31', 'public_contracts', 4, 47.75, 0.5, 0.25, 0.25, 5, 0.2, 1, 48, false),
           ('2025-04-01', '2025-09-30', 'public_contracts', 0, null, null, null, null, 0, null, 0, 0, true)"""
    )
    con.execute(
        """create table bi.transparency_contracts_over_5000 (reference varchar, title varchar,
           department varchar, description varchar, supplier_name varchar, supplier_company_number varchar,
           value decimal(18, 2), annual_value decimal(18, 2), irrecoverable_vat decimal(18, 2),
           start_date date, end_date date, review_date date, route varchar, sme varchar, vcse varchar)"""
    )
    con.execute(
        """insert into bi.transparency_contracts_over_5000 values
           ('C2', 'Foster care', 'Children''s Services', 'Foster care', 'Redacted personal data', null,
            5000.01, 5000.01, 0, '2024-04-01', '2025-03-31', null, 'Direct award', 'N', 'N'),
           ('C1', 'Roads, bridges', 'Environment and Place', 'Roads, bridges', 'Acme Ltd', '01234567',
            1250000.5, 250000, 0, '2024-04-01', '2029-03-31', '2028-09-30', 'Open', 'Y', 'N')"""
    )
    return con


def test_the_compliance_notice_has_a_file_per_published_period_in_the_contract_conventions(
    statutory, tmp_path
):
    written = write_all_transparency_files(
        statutory, "bi", ["payments_compliance_notice"], tmp_path, ended_months=ENDED_TO_MAY
    )
    assert [p.name for p in written] == [
        "payments_compliance_notice_2024-10_2025-03.csv",
        "payments_compliance_notice_2025-04_2025-09.csv",
    ]
    raw = written[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "period_start,period_end,scope,invoices_paid,avg_days_to_pay,pct_paid_1_30_days,pct_paid_31_60_days,"
        "pct_paid_61_plus_days,invoices_payable,pct_payable_not_paid_in_period,unknown_invoices_paid,"
        "missing_source_days,is_complete"
    )
    # The notice (public contracts) first; mean with two decimals, shares with four; an incomplete
    # period says so in the file, not only in the table.
    assert lines[1] == "01/10/2024,31/03/2025,public_contracts,4,47.75,0.5000,0.2500,0.2500,5,0.2000,1,48,N"
    assert lines[2] == "01/10/2024,31/03/2025,all_invoices,6,44.00,0.5000,0.3333,0.1667,7,0.2857,1,48,N"
    empty = written[1].read_text(encoding="utf-8-sig").splitlines()
    assert empty[1] == "01/04/2025,30/09/2025,public_contracts,0,,,,,0,,0,0,Y"


def test_contracts_over_5000_is_the_file_of_the_latest_ended_quarter(statutory, tmp_path):
    tables = ["transparency_contracts_over_5000"]
    # Reporting date in May: March is the last quarter end that has ended, so the file is 2025-Q1.
    ended = (date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1))
    (path,) = write_all_transparency_files(statutory, "bi", tables, tmp_path, ended_months=ended)
    assert path.name == "contracts_over_5000_2025-Q1.csv"
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert lines[0] == (
        "Reference,Title,Department,Description,Supplier name,Supplier company number,Value,Annual value,"
        "Irrecoverable VAT,Start date,End date,Review date,Route,SME,VCSE"
    )
    assert lines[1] == (
        'C1,"Roads, bridges",Environment and Place,"Roads, bridges",Acme Ltd,01234567,1250000.50,250000.00,'
        "0.00,01/04/2024,31/03/2029,30/09/2028,Open,Y,N"
    )
    assert lines[2] == (
        "C2,Foster care,Children's Services,Foster care,Redacted personal data,,5000.01,5000.01,0.00,"
        "01/04/2024,31/03/2025,,Direct award,N,N"
    )
    # No quarter has ended yet (only January and February): no file.
    early = (date(2025, 1, 1), date(2025, 2, 1))
    assert write_all_transparency_files(statutory, "bi", tables, tmp_path / "early", ended_months=early) == []


def test_only_the_tables_of_the_open_set_get_files(statutory, tmp_path):
    assert write_all_transparency_files(statutory, "bi", [], tmp_path, ended_months=ENDED_TO_MAY) == []
    written = write_all_transparency_files(
        statutory,
        "bi",
        ["payments_compliance_notice", "transparency_contracts_over_5000"],
        tmp_path,
        ended_months=ENDED_TO_JUNE,
    )
    assert sorted(p.name for p in written) == [
        "contracts_over_5000_2025-Q2.csv",
        "payments_compliance_notice_2024-10_2025-03.csv",
        "payments_compliance_notice_2025-04_2025-09.csv",
    ]


def test_spend_also_has_a_file_per_ended_quarter_holding_its_monthly_files_rows(con, tmp_path):
    ended = (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), *ENDED_TO_JUNE)
    written = write_files(SPEND_OVER_500_QUARTERLY, con, "t", tmp_path, ended)
    # Q1 precedes the first month with spend (April); Q3 has not ended (July is not in `ended`).
    assert [p.name for p in written] == ["spend_over_500_2025-Q2.csv"]
    monthly = write_transparency_files(con, "t", tmp_path / "monthly", ENDED_TO_JUNE)
    rows = [line for p in monthly for line in p.read_text(encoding="utf-8-sig").splitlines()[1:]]
    quarter = written[0].read_text(encoding="utf-8-sig").splitlines()
    assert quarter[0] == HEADER and quarter[1:] == rows and len(rows) == 3


@pytest.fixture
def cards_con():
    con = duckdb.connect()
    con.execute(
        """create table cards (transaction_id varchar, transaction_date date, statement_month date,
           statement_quarter date, department varchar, beneficiary varchar, amount decimal(18, 2),
           irrecoverable_vat decimal(18, 2), purpose varchar, merchant_category varchar)"""
    )
    con.execute(
        """insert into cards values
           ('T2', '2025-07-15', '2025-07-01', '2025-07-01', 'Resources', 'VIKING DIRECT', -30, 0,
            'Stationery, Office and School Supply Stores',
            '5111 Stationery, Office and School Supply Stores'),
           ('T1', '2025-06-28', '2025-07-01', '2025-07-01', 'Adult Services', 'GWR TICKETS', 100, 0,
            'Passenger Railways', '4112 Passenger Railways'),
           ('T3', '2025-08-02', '2025-08-01', '2025-07-01', null, 'CAFÉ NERO OXFORD', 4.5, 0,
            'Eating Places, Restaurants', '5812 Eating Places, Restaurants'),
           ('T4', '2025-09-30', '2025-09-01', '2025-07-01', 'Resources', 'ROYAL MAIL', 7.5, 0,
            'Courier Services', '4215 Courier Services'),
           ('T5', '2025-10-02', '2025-10-01', '2025-10-01', 'Resources', 'ROYAL MAIL', 1, 0,
            'Courier Services', '4215 Courier Services')"""
    )
    return con


def test_purchase_cards_have_a_file_per_quarter_whose_three_statements_are_loaded(cards_con, tmp_path):
    # October has ended by the reporting date but only its statement is loaded: no Q4 file.
    ended = tuple(date(2025, m, 1) for m in range(7, 12))
    (path,) = write_files(PURCHASE_CARDS, cards_con, "cards", tmp_path, ended)
    assert path.name == "purchase_cards_2025-Q3.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").split("\r\n") == [
        "Transaction date,Department,Beneficiary,Amount,Irrecoverable VAT,Purpose,Merchant category",
        "28/06/2025,Adult Services,GWR TICKETS,100.00,0.00,Passenger Railways,4112 Passenger Railways",
        '15/07/2025,Resources,VIKING DIRECT,-30.00,0.00,"Stationery, Office and School Supply Stores",'
        '"5111 Stationery, Office and School Supply Stores"',
        '02/08/2025,,CAFÉ NERO OXFORD,4.50,0.00,"Eating Places, Restaurants",'
        '"5812 Eating Places, Restaurants"',
        "30/09/2025,Resources,ROYAL MAIL,7.50,0.00,Courier Services,4215 Courier Services",
        "",
    ]
