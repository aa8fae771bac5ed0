"""PA0008 (basic pay) and ORGCHART (reporting lines): the contract's format and a realistic structure.

Read from the delivered files with the contract's reader, never from the simulator's arrays.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
from simulator_contract import read_ibc

from simulator import simulate
from simulator.defects import DefectPlan
from simulator.ibc_hr import pa0008
from simulator.world import World


def _dicts(path) -> list[dict[str, str]]:
    header, rows, _ = read_ibc(path)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _on(records, day: str) -> list[dict[str, str]]:
    return [r for r in records if r["BEGDA"] <= day <= r["ENDDA"]]


def test_orgchart_is_one_tree_under_one_chief_executive(clean_home):
    home, _ = clean_home
    chart = _dicts(home / "landing/ibc/hr/ORGCHART_20250401.txt")
    positions = {r["PLANS"] for r in _dicts(home / "landing/ibc/hr/POSITIONS_20250401.txt")}
    today = _on(chart, "20250331")
    up = {r["PLANS"]: r["PLANS_UP"] for r in today}
    assert len(up) == len(today)  # one record per position on a day
    tops = [p for p, boss in up.items() if boss == ""]
    assert len(tops) == 1 and {r["STEXT"] for r in today if r["PLANS"] == tops[0]} == {"Chief Executive"}
    assert set(up) <= positions and set(up.values()) - {""} <= set(up)
    for plans in up:  # every chain reaches the chief executive without a cycle
        seen = set()
        while up[plans]:
            assert plans not in seen
            seen.add(plans)
            plans = up[plans]
    directors = [p for p, boss in up.items() if boss == tops[0]]
    assert 5 <= len(directors) <= 8
    titles = {r["STEXT"] for r in today if r["PLANS"] in directors}
    assert "Director of Public Health" in titles and "Director of Children's Services" in titles
    heads = [p for p, boss in up.items() if boss in directors]
    assert all(
        r["STEXT"].startswith("Head of ") for r in today if r["PLANS"] in heads and up[r["PLANS"]] != ""
    ) or len(heads) > len(directors)


def test_pay_records_follow_staff_grades_and_the_award(clean_home):
    home, _ = clean_home
    hr = home / "landing/ibc/hr"
    pay = _dicts(hr / "PA0008_20250401.txt")
    staff = {r["PERNR"] for r in _dicts(hr / "PA0001_20250401.txt")}
    assert {r["PERNR"] for r in pay} <= staff
    by_person: dict[str, list[dict[str, str]]] = {}
    for r in pay:
        by_person.setdefault(r["PERNR"], []).append(r)
    for records in by_person.values():  # no overlapping validity
        records.sort(key=lambda r: r["BEGDA"])
        assert all(a["ENDDA"] < b["BEGDA"] for a, b in zip(records, records[1:], strict=False))
    in_post = {r["PERNR"] for r in _on(_dicts(hr / "PA0001_20250401.txt"), "20250331")}
    paid = _on(pay, "20250331")
    assert {r["PERNR"] for r in paid} >= in_post - {r["PERNR"] for r in pay if r["BEGDA"] > "20250331"}
    grades = {r["TRFGR"] for r in paid}
    assert {"CEX", "SM4"} <= grades and any(g.startswith("GR") for g in grades)
    assert sum(r["TRFGR"] == "CEX" for r in paid) == 1
    salaries = sorted(Decimal(r["ANSAL"]) for r in paid)
    median = salaries[len(salaries) // 2]
    assert Decimal(20000) < median < Decimal(40000) and salaries[-1] > Decimal(150000)
    assert {r["TRFST"] for r in paid} <= {"01", "02", "03", "04"}


def test_a_pay_award_agreed_late_is_backdated():
    """The 2024 award (agreed 22 October 2024) is not in the September snapshot and is in November's,
    backdated to 1 April; the record's change date says when."""
    world = World(7, 0.02, DefectPlan(7, 0, None))

    def april_records(day: str) -> dict[str, tuple[str, str]]:
        f = pa0008(world.pay, world.staff, np.datetime64(day))
        d = f.data
        return {
            p: (a, c)
            for p, b, a, c in zip(d["PERNR"], d["BEGDA"], d["ANSAL"], d["AEDTM"], strict=True)
            if b == "20240401"
        }

    before, after = april_records("2024-09-01"), april_records("2024-11-01")
    raised = [p for p in before if Decimal(after[p][0]) > Decimal(before[p][0])]
    assert len(raised) > len(before) * 0.9
    assert all(after[p][1] >= "20241022" for p in raised)  # or later: a leaver's end keyed since
    assert set(after) > set(before)  # staff at the top of their grade get their record with the award


def test_pay_defects_are_injected_in_the_new_files(tmp_path):
    simulate(
        tmp_path,
        scale=0.01,
        start=dt.date(2025, 4, 1),
        days=2,
        seed=11,
        defects=1.0,
        kinds={"trailing_minus": True, "zero_date": True, "bad_encoding": True},
    )
    log = [json.loads(x) for x in (tmp_path / "simulator_truth/defects.jsonl").read_text().splitlines()]
    kinds = {(e["file"].rsplit("_", 1)[0], e["kind"]) for e in log}
    assert {("PA0008", "trailing_minus"), ("PA0008", "zero_date"), ("ORGCHART", "zero_date")} <= kinds
    assert ("ORGCHART", "bad_encoding") in kinds
