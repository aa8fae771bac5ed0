"""Python reads the reporting date dbt defines (int_reporting_date); completeness is judged against it."""

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion import FEEDS
from publication.completeness import (
    ReportingDateUnavailable,
    daily_feed_days,
    ended_months,
    missing_days,
    reporting_date,
)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(
        "create schema ops; create table ops.file_register (table_name varchar, file_date date, "
        "version integer, status varchar)"
    )
    rows = [
        ("ibc_fi_items", date(2025, 4, 1), 1, "loaded"),
        ("ibc_fi_items", date(2025, 4, 2), 1, "quarantined"),  # arrived, refused: reported elsewhere
        ("ibc_fi_items", date(2025, 4, 4), 1, "loaded"),  # 3 April never arrived
        ("ibc_fi_items", date(2025, 4, 5), 1, "quarantined"),  # newest file, but not loaded
        ("csc_crm_contacts", date(2025, 4, 3), 1, "quarantined"),
        ("csc_crm_contacts", date(2025, 4, 3), 2, "loaded"),  # the re-delivery loaded
        ("csc_crm_contacts", date(2025, 4, 9), 1, "loaded"),  # after the reporting date: ignored
        ("ibc_pa0001", date(2025, 4, 30), 1, "loaded"),  # a monthly feed with a later date
    ]
    con.executemany("insert into ops.file_register values (?, ?, ?, ?)", rows)
    return con


def test_the_reporting_date_is_read_from_the_table_dbt_builds(con):
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_reporting_date as select date '2025-04-04' as reporting_date")
    assert reporting_date(con) == date(2025, 4, 4)
    con.execute("update intermediate.int_reporting_date set reporting_date = null")  # no file loaded yet
    assert reporting_date(con) is None


def test_a_warehouse_dbt_has_not_built_has_no_reporting_date_and_says_what_to_do(con):
    with pytest.raises(
        ReportingDateUnavailable, match="int_reporting_date does not exist.*build the dbt models"
    ):
        reporting_date(con)


def test_the_ended_months_are_read_from_the_table_dbt_builds(con):
    with pytest.raises(ReportingDateUnavailable, match="int_reporting_months does not exist"):
        ended_months(con)
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_reporting_months as select * from (values "
        "(date '2025-05-01', false), (date '2025-03-01', true), (date '2025-04-01', true)) "
        "as t (month, has_ended)"
    )
    assert ended_months(con) == (date(2025, 3, 1), date(2025, 4, 1))


def test_every_daily_feed_is_judged_up_to_the_reporting_date(con):
    days = daily_feed_days(con, ["csc_crm_contacts", "ibc_fi_items", "web_eforms"], date(2025, 4, 4))
    assert days == [
        ("csc_crm_contacts", date(2025, 4, 3), "loaded"),
        ("csc_crm_contacts", date(2025, 4, 4), "missing"),
        ("ibc_fi_items", date(2025, 4, 1), "loaded"),
        ("ibc_fi_items", date(2025, 4, 2), "quarantined"),
        ("ibc_fi_items", date(2025, 4, 3), "missing"),
        ("ibc_fi_items", date(2025, 4, 4), "loaded"),
        ("web_eforms", date(2025, 4, 4), "missing"),  # never delivered anything
    ]
    assert missing_days(days) == [
        {"table": "csc_crm_contacts", "day": "2025-04-04"},
        {"table": "ibc_fi_items", "day": "2025-04-03"},
        {"table": "web_eforms", "day": "2025-04-04"},
    ]


def test_the_reporting_window_opens_at_the_first_delivered_file_not_a_period_named_one():
    """int_reporting_date leaves out of first_date exactly the feeds whose files are named by the
    period they cover (a card statement for March arrives in April): otherwise the window, and every
    monthly mart, would open with empty months before any data was delivered."""
    sql = (
        Path(__file__).resolve().parents[3] / "dbt_project/models/intermediate/int_reporting_date.sql"
    ).read_text()
    (listed,) = re.findall(r"table_name not in \(([^)]*)\) then file_date", sql)
    excluded = {name.strip().strip("'") for name in listed.split(",")}
    assert excluded == {spec.table for spec in FEEDS if spec.date_format != "YYYYMMDD"}
