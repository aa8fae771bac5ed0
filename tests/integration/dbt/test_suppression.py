"""The blocking check of the open audience: no count of people from 1 to 7, and every other count a
multiple of 5 (macros/small_number_suppression.sql). Shown firing on a planted 3 and passing once
the table holds what the suppression macro makes."""

from pathlib import Path

import duckdb
import pytest
from warehouse_world import run_dbt

SELECT = ["test", "--select", "test_name:small_number_suppressed,open_workforce_monthly"]


def _plant(home: Path, headcounts: list[int | None]) -> None:
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute("create schema if not exists bi")
        con.execute(
            "create or replace table bi.open_workforce_monthly as "
            "select unnest(?::bigint[]) as headcount, 10::bigint as starters, 0::bigint as leavers",
            [headcounts],
        )
    finally:
        con.close()


@pytest.mark.slow
def test_a_planted_count_of_3_fails_the_blocking_check_and_suppressed_counts_pass(tmp_path: Path):
    _plant(tmp_path, [0, 10, 3, None, 125])
    failed = run_dbt(tmp_path, SELECT)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert "FAIL 1 small_number_suppressed_open_workforce_monthly_headcount" in failed.stdout
    assert "PASS small_number_suppressed_open_workforce_monthly_starters" in failed.stdout

    _plant(tmp_path, [0, 12])  # not rounded to 5: a count the macro never makes
    assert run_dbt(tmp_path, SELECT).returncode == 1

    _plant(tmp_path, [0, 10, None, 125])
    passed = run_dbt(tmp_path, SELECT)
    assert passed.returncode == 0, passed.stdout[-2000:]
    assert passed.stdout.count("PASS small_number_suppressed") == 3
