"""The annual pay files (docs/statutory.md): one per 31 March snapshot, the code's headers, the
transparency files' CSV conventions, written by the one writer."""

from datetime import date

import duckdb
import pytest

from publication.transparency import write_all_transparency_files

ENDED = (date(2025, 3, 1), date(2025, 4, 1))
PAY_TABLES = ["senior_salaries", "pay_multiple", "organisation_chart", "gender_pay_gap"]


@pytest.fixture
def pay():
    con = duckdb.connect()
    con.execute("create schema bi")
    con.execute(
        """create table bi.senior_salaries as select * from (values
           (date '2025-03-31', '30000021', 'Chief Executive', 'Resources', '195000-199999', 1.0::decimal(4,2),
            'Ann Example', null, 'N'),
           (date '2025-03-31', '30000002', 'Head of Finance, Audit', 'Resources', '50000-54999',
            0.8::decimal(4,2), null, 'Chief Executive', 'Y'),
           (date '2024-03-31', '30000021', 'Chief Executive', 'Resources', '190000-194999',
            1.0::decimal(4,2), 'Ann Example', null, 'N'))
           t(snapshot_date, position_id, job_title, directorate, salary_band, fte, name, reports_to,
             vacant)"""
    )
    con.execute(
        """create table bi.pay_multiple as select * from (values
           (date '2025-03-31', '2024/25', 201000.00::decimal(12,2), 28000.50::decimal(12,2),
            201000 / 28000.5))
           t(snapshot_date, financial_year, highest_salary_gbp, median_salary_gbp, pay_multiple)"""
    )
    con.execute(
        """create table bi.organisation_chart as select * from (values
           (date '2025-03-31', '30000021', 'Chief Executive', null, 'Resources', '195000-199999', 'N'),
           (date '2025-03-31', '30000001', 'Director of Adult Social Care', 'Chief Executive',
            'Adult Services', '155000-159999', 'N'))
           t(snapshot_date, position, job_title, reports_to, directorate, salary_band, vacant)"""
    )
    figures = ", ".join(
        f"{v} as {c}"
        for c, v in [
            ("mean_gap", "0.123456"),
            ("median_gap", "-0.05"),
            *[
                (f"pct_{who}_{q}_quartile", "0.25" if who == "men" else "0.75")
                for q in ("lower", "lower_middle", "upper_middle", "upper")
                for who in ("men", "women")
            ],
            ("bonus_mean_gap", "0.0"),
            ("bonus_median_gap", "0.0"),
            ("pct_men_bonus", "0.0"),
            ("pct_women_bonus", "0.0"),
        ]
    )
    con.execute(
        f"""create table bi.gender_pay_gap as select date '2025-03-31' as snapshot_date, 40::bigint as men,
            false as men_suppressed, 70::bigint as women, false as women_suppressed,
            null::bigint as gender_not_recorded, true as gender_not_recorded_suppressed,
            false as figures_suppressed, {figures},
            'No bonus is paid: the bonus measures are 0.' as bonus_statement"""
    )
    return con


def test_each_pay_output_has_a_file_per_snapshot(pay, tmp_path):
    written = write_all_transparency_files(pay, "bi", PAY_TABLES, tmp_path, ended_months=ENDED)
    assert sorted(p.name for p in written) == [
        "gender_pay_gap_2025-03-31.csv",
        "organisation_chart_2025-03-31.csv",
        "pay_multiple_2025-03-31.csv",
        "senior_salaries_2024-03-31.csv",
        "senior_salaries_2025-03-31.csv",
    ]
    assert all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in written)


def _lines(folder, name):
    return (folder / name).read_bytes().decode("utf-8-sig").split("\r\n")


def test_pay_files_follow_the_code_and_the_transparency_conventions(pay, tmp_path):
    write_all_transparency_files(pay, "bi", PAY_TABLES, tmp_path, ended_months=ENDED)
    senior = _lines(tmp_path, "senior_salaries_2025-03-31.csv")
    assert senior[0] == "Job title,Directorate,Salary band,FTE,Name,Reports to,Vacant"
    # Highest band first; the name only where given (the model decides who is named).
    assert senior[1] == "Chief Executive,Resources,195000-199999,1.00,Ann Example,,N"
    assert senior[2] == '"Head of Finance, Audit",Resources,50000-54999,0.80,,Chief Executive,Y'
    multiple = _lines(tmp_path, "pay_multiple_2025-03-31.csv")
    assert multiple[0] == "Financial year,Date,Highest salary,Median salary,Pay multiple"
    assert multiple[1] == "2024/25,31/03/2025,201000.00,28000.50,7.18"
    chart = _lines(tmp_path, "organisation_chart_2025-03-31.csv")
    assert chart[0] == "Position,Job title,Reports to,Directorate,Salary band,Vacant"
    assert chart[1] == "30000021,Chief Executive,,Resources,195000-199999,N"
    gap = _lines(tmp_path, "gender_pay_gap_2025-03-31.csv")
    assert gap[0].startswith("snapshot_date,men,men_suppressed,women,women_suppressed,gender_not_recorded,")
    # Withheld counts are blank with their flag Y; gaps and shares with four decimals.
    assert gap[1].startswith("31/03/2025,40,N,70,N,,Y,N,0.1235,-0.0500,0.2500,0.7500,")
    assert gap[1].endswith(",0.0000,0.0000,0.0000,0.0000,No bonus is paid: the bonus measures are 0.")
