"""The annual pay outputs recomputed independently from the raw HR extracts, on the two-year
statutory world (conftest.py) whose reporting window holds two 31 March snapshots (2025 and 2026).

Written from contracts/kpis.md ("Statutory outputs") and contracts/sources.md, not from the dbt
models: plain SQL picks the newest monthly snapshot of each raw table (it holds the whole history),
Python does the rest. It shares with the warehouse only what docs/statutory.md decides where the
contract is silent: which 31 March dates are published (March months of the reporting window that
have ended), staff in post (employee groups 1, 2, 4 with a PA0008 record that day), a filled
position's holder (lowest PERNR), a vacant position's salary (its last holder's on their last day),
the median rounded half up to the penny, the quartiles' remainder going to the first groups, and
the withholding of gap figures when men or women number 1 to 7. The directorates' names are
written in council_structure.py, not read from the seed. Floating-point gaps are compared to 1e-12
relative (two engines sum in different orders); everything else exactly.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from council_structure import DIRECTORATE_NAMES

from publication.transparency import write_all_transparency_files

pytestmark = pytest.mark.slow

HOURS_A_YEAR = (52.143, 37)


def newest(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    """The rows of the newest monthly snapshot of a raw table (it holds the whole history)."""
    relation = con.execute(
        f"select * from raw.{table} where _source_file = (select max(_source_file) from raw.{table})"
    )
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def valid_on(records: list[dict], key: str, day: date, begin: str = "BEGDA", end: str = "ENDDA") -> dict:
    """key -> the record valid on `day` (the latest start where records overlap)."""
    out: dict = {}
    for r in records:
        if r[begin] <= day <= r[end] and (r[key] not in out or r[begin] > out[r[key]][begin]):
            out[r[key]] = r
    return out


def snapshot_dates(con: duckdb.DuckDBPyConnection) -> list[date]:
    first, reporting = con.execute(
        """select min(file_date) filter (
                      where table_name not in ('ibc_budget', 'procurement_card_transactions')),
                  max(file_date) filter (where table_name = 'ibc_fi_items')
           from ops.file_register where status in ('loaded', 'loaded_with_quarantine')"""
    ).fetchone()
    return [
        date(y, 3, 31)
        for y in range(first.year, reporting.year + 1)
        if date(y, 3, 1) >= first.replace(day=1) and date(y, 3, 31) <= reporting
    ]


class Hr:
    """The newest snapshot of each HR extract."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.pa0001 = newest(con, "ibc_pa0001")
        self.pa0008 = newest(con, "ibc_pa0008")
        self.positions = newest(con, "ibc_positions")
        self.chart = newest(con, "ibc_orgchart")
        self.csks = newest(con, "ibc_csks")
        self.people = {r["PERNR"]: r for r in newest(con, "ibc_pa0002")}

    def salaries(self, day: date) -> dict[str, Decimal]:
        return {p: Decimal(r["ANSAL"]) for p, r in valid_on(self.pa0008, "PERNR", day).items()}

    def in_post(self, day: date) -> dict[str, Decimal]:
        """PERNR -> FTE basic salary of the staff in post (PERSG 1, 2, 4) with a salary that day."""
        pay = self.salaries(day)
        return {
            p: pay[p]
            for p, r in valid_on(self.pa0001, "PERNR", day).items()
            if r["PERSG"] in ("1", "2", "4") and p in pay
        }

    def positions_on(self, day: date) -> list[dict]:
        """Every position that day: title, boss, tier, directorate name, vacancy, FTE, holder, salary."""
        chart = valid_on(self.chart, "PLANS", day)
        costs = valid_on(self.csks, "KOSTL", day, "DATAB", "DATBI")
        out = []
        for plans, pos in valid_on(self.positions, "PLANS", day).items():
            vacant = pos["VACANT"] == "X"
            held = sorted(
                r["PERNR"] for r in self.pa0001 if r["PLANS"] == plans and r["BEGDA"] <= day <= r["ENDDA"]
            )
            holder = held[0] if held and not vacant else None
            paid_on, paid = (day, holder) if holder else (None, None)
            if vacant:
                before = [r for r in self.pa0001 if r["PLANS"] == plans and r["ENDDA"] < day]
                if before:
                    last = min(before, key=lambda r: (-r["ENDDA"].toordinal(), r["PERNR"]))
                    paid_on, paid = last["ENDDA"], last["PERNR"]
            salary = self.salaries(paid_on).get(paid) if paid else None
            up = chart.get(plans, {}).get("PLANS_UP") or None
            tier, boss = 1, up
            while boss is not None and tier <= 3:
                tier, boss = tier + 1, chart.get(boss, {}).get("PLANS_UP") or None
            cc = costs.get(pos["KOSTL"])
            out.append(
                {
                    "position": plans,
                    "title": chart.get(plans, {}).get("STEXT"),
                    "reports_to": chart[up]["STEXT"] if up in chart else None,
                    "tier": tier if tier <= 3 and boss is None else None,
                    "directorate": DIRECTORATE_NAMES[cc["ZDIRECT"] if cc else "UNALLOCATED"],
                    "vacant": "Y" if vacant else "N",
                    "fte": Decimal(pos["FTE"]).quantize(Decimal("0.01")),
                    "holder": holder,
                    "salary": salary,
                }
            )
        return out


def band(salary: Decimal | None) -> str | None:
    if salary is None:
        return None
    low = int(salary // 5000) * 5000
    return f"{low}-{low + 4999}"


def published_count(n: int) -> int | None:
    """Small-number suppression: 1-7 withheld, the rest to the nearest 5 (half up)."""
    if 1 <= n <= 7:
        return None
    return int((Decimal(n) / 5).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 5


def median(values: list) -> Decimal:
    values = sorted(values)
    n = len(values)
    middle = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    return Decimal(middle)


def recomputed_senior_salaries(hr: Hr, days: list[date]) -> set[tuple]:
    out = set()
    for day in days:
        for p in hr.positions_on(day):
            if p["salary"] is None or p["salary"] < 50000:
                continue
            person = hr.people.get(p["holder"]) if p["holder"] and p["salary"] >= 150000 else None
            name = f"{person['VORNA']} {person['NACHN']}" if person else None
            out.add(
                (day, p["position"], p["title"], p["directorate"], band(p["salary"]), p["fte"], name)
                + (p["reports_to"], p["vacant"])
            )
    return out


def test_there_are_two_snapshots_to_publish(con):
    assert snapshot_dates(con) == [date(2025, 3, 31), date(2026, 3, 31)]


def test_senior_salaries_match_the_recomputation(con):
    hr = Hr(con)
    expected = recomputed_senior_salaries(hr, snapshot_dates(con))
    actual = set(
        con.execute(
            """select snapshot_date, position_id, job_title, directorate, salary_band, fte, name, reports_to,
                      vacant from bi.senior_salaries"""
        ).fetchall()
    )
    assert actual == expected
    named = [row for row in expected if row[6]]
    assert named and any(row[8] == "N" and int(row[4].split("-")[0]) < 150000 for row in expected)
    assert {row[2] for row in named} >= {"Chief Executive"}


def test_organisation_chart_matches_the_recomputation(con):
    hr = Hr(con)
    expected = {
        (day, p["position"], p["title"], p["reports_to"], p["directorate"], band(p["salary"]), p["vacant"])
        for day in snapshot_dates(con)
        for p in hr.positions_on(day)
        if p["tier"] is not None
    }
    actual = set(con.execute("select * from bi.organisation_chart").fetchall())
    assert actual == expected
    assert sum(1 for row in expected if row[3] is None) == len(snapshot_dates(con))  # one chief executive


def test_pay_multiple_matches_the_recomputation(con):
    hr = Hr(con)
    for day in snapshot_dates(con):
        pay = list(hr.in_post(day).values())
        highest = max(pay)
        middle = median(pay).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        row = con.execute(
            "select financial_year, highest_salary_gbp, median_salary_gbp, pay_multiple "
            "from bi.pay_multiple where snapshot_date = ?",
            [day],
        ).fetchone()
        assert row == (f"{day.year - 1}/{str(day.year)[2:]}", highest, middle, float(highest) / float(middle))


def test_gender_pay_gap_matches_the_recomputation(con):
    hr = Hr(con)
    for day in snapshot_dates(con):
        pay = hr.in_post(day)
        gender = {p: hr.people[p]["GESCH"] if p in hr.people else None for p in pay}
        hourly = {p: float(s) / HOURS_A_YEAR[0] / HOURS_A_YEAR[1] for p, s in pay.items()}
        men = [hourly[p] for p in pay if gender[p] == "1"]
        women = [hourly[p] for p in pay if gender[p] == "2"]
        ranked = sorted((p for p in pay if gender[p] in ("1", "2")), key=lambda p: (hourly[p], p))
        n = len(ranked)
        sizes = [n // 4 + (1 if q < n % 4 else 0) for q in range(4)]
        shares, at = [], 0
        for size in sizes:
            group = ranked[at : at + size]
            at += size
            share = sum(gender[p] == "1" for p in group) / len(group)
            shares += [share, 1 - share]
        row = con.execute("select * from bi.gender_pay_gap where snapshot_date = ?", [day]).fetchone()
        names = [d[0] for d in con.description]
        got = dict(zip(names, row, strict=True))
        assert got["men"] == published_count(len(men))
        assert got["women"] == published_count(len(women))
        assert got["gender_not_recorded"] == published_count(len(pay) - len(men) - len(women))
        assert not got["figures_suppressed"] and len(men) > 7 and len(women) > 7
        mean_gap = (sum(men) / len(men) - sum(women) / len(women)) / (sum(men) / len(men))
        median_gap = (float(median(men)) - float(median(women))) / float(median(men))
        assert math.isclose(got["mean_gap"], mean_gap, rel_tol=1e-12)
        assert math.isclose(got["median_gap"], median_gap, rel_tol=1e-12)
        quartiles = ("lower", "lower_middle", "upper_middle", "upper")
        published = [got[f"pct_{who}_{q}_quartile"] for q in quartiles for who in ("men", "women")]
        assert published == pytest.approx(shares, rel=1e-12)
        assert (
            got["bonus_mean_gap"],
            got["bonus_median_gap"],
            got["pct_men_bonus"],
            got["pct_women_bonus"],
        ) == (
            0,
            0,
            0,
            0,
        )


def test_the_files_carry_the_tables_and_names_only_at_150000_and_over(con, tmp_path):
    tables = ["senior_salaries", "pay_multiple", "organisation_chart", "gender_pay_gap"]
    written = write_all_transparency_files(con, "bi", tables, tmp_path, ended_months=())
    assert sorted(p.name for p in written) == sorted(
        f"{t}_{d:%Y-%m-%d}.csv" for t in tables for d in snapshot_dates(con)
    )
    hr = Hr(con)
    full_names = {f"{r['VORNA']} {r['NACHN']}".lower() for r in hr.people.values()}
    named_rows = 0
    for path in written:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            for column, value in row.items():
                if value.lower() in full_names:  # a person's name: only where the code requires it
                    assert path.name.startswith("senior_salaries_") and column == "Name", path.name
                    assert int(row["Salary band"].split("-")[0]) >= 150000 and row["Vacant"] == "N"
                    named_rows += 1
    assert named_rows >= len(snapshot_dates(con))  # at least the chief executive each year
    senior = {
        (r[0], r[2], r[3], r[4], f"{r[5]:.2f}", r[6] or "", r[7] or "", r[8])
        for r in recomputed_senior_salaries(hr, snapshot_dates(con))
    }
    from_files = set()
    for day in snapshot_dates(con):
        with (tmp_path / f"senior_salaries_{day:%Y-%m-%d}.csv").open(encoding="utf-8-sig", newline="") as f:
            from_files |= {
                (
                    day,
                    r["Job title"],
                    r["Directorate"],
                    r["Salary band"],
                    r["FTE"],
                    r["Name"],
                    r["Reports to"],
                )
                + (r["Vacant"],)
                for r in csv.DictReader(f)
            }
    assert from_files == senior
