"""Feed deadlines (docs/operations.md), judged from the files that have arrived."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ingestion.care import CARE_PAYMENTS
from ingestion.freshness import expected_file, feed_freshness, working_day
from ingestion.ibc_finance import BUDGET, FI_ITEMS
from ingestion.ibc_hr import PA0001
from ingestion.procurement import CARD_TRANSACTIONS

LONDON = ZoneInfo("Europe/London")
HOLIDAYS = {date(2025, 5, 5), date(2025, 8, 25)}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_daily_file_is_due_by_six_the_next_morning():
    assert expected_file(FI_ITEMS, at(2025, 6, 11, 5, 59), HOLIDAYS)[0] == date(2025, 6, 9)
    expected, due = expected_file(FI_ITEMS, at(2025, 6, 11, 6, 0), HOLIDAYS)
    assert expected == date(2025, 6, 10)
    assert due == at(2025, 6, 11, 6, 0)


def test_weekly_care_file_is_due_on_tuesday_morning():
    assert expected_file(CARE_PAYMENTS, at(2025, 6, 10, 5, 0), HOLIDAYS)[0] == date(2025, 6, 2)
    assert expected_file(CARE_PAYMENTS, at(2025, 6, 10, 7, 0), HOLIDAYS)[0] == date(2025, 6, 9)


def test_monthly_snapshot_is_due_after_the_third_working_day_skipping_bank_holidays():
    # May 2025: Thu 1, Fri 2, (Mon 5 is a bank holiday), Tue 6 is the 3rd working day.
    assert working_day(date(2025, 5, 1), 3, HOLIDAYS) == date(2025, 5, 6)
    assert expected_file(PA0001, at(2025, 5, 6, 23, 0), HOLIDAYS)[0] == date(2025, 4, 1)
    assert expected_file(PA0001, at(2025, 5, 7, 0, 1), HOLIDAYS)[0] == date(2025, 5, 1)


def test_card_statement_named_by_its_month_is_due_by_the_end_of_the_fifth():
    assert CARD_TRANSACTIONS.file_date("pcard_transactions_202504.csv") == date(2025, 4, 1)
    assert CARD_TRANSACTIONS.file_date("pcard_transactions_20250401.csv") is None
    assert expected_file(CARD_TRANSACTIONS, at(2025, 5, 5, 23, 0), HOLIDAYS)[0] == date(2025, 3, 1)
    expected, due = expected_file(CARD_TRANSACTIONS, at(2025, 5, 6, 0, 1), HOLIDAYS)
    assert expected == date(2025, 4, 1) and due == datetime(2025, 5, 6, tzinfo=LONDON)


def test_yearly_budget_is_due_in_april():
    assert expected_file(BUDGET, at(2025, 3, 31, 12, 0), HOLIDAYS)[0] == date(2024, 4, 1)
    assert expected_file(BUDGET, at(2025, 4, 30, 12, 0), HOLIDAYS)[0] == date(2025, 4, 1)


def test_a_quarantined_file_has_arrived_and_a_missing_one_is_late(tmp_path):
    (tmp_path / "quarantine/ibc/finance").mkdir(parents=True)
    (tmp_path / "quarantine/ibc/finance/FI_ITEMS_20250610.txt").write_text("x")
    (tmp_path / "archive/ibc/hr").mkdir(parents=True)
    (tmp_path / "archive/ibc/hr/PA0001_20250501.txt").write_text("x")
    fi, pa = feed_freshness(tmp_path, [FI_ITEMS, PA0001], at(2025, 6, 11, 7, 0), HOLIDAYS)
    assert fi.fresh and fi.newest_delivered == date(2025, 6, 10)
    assert not pa.fresh and pa.expected == date(2025, 6, 1) and pa.newest_delivered == date(2025, 5, 1)
