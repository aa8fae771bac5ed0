"""Restatements end to end: a corrected FI_ITEMS file for a closed month yields a release whose
bi.restatements names the changed cells of kpi_spend_monthly with the file that caused them, and
nothing else; a release with no new files restates nothing (docs/publication.md, Restatements).
The first release of the same world also shows the dictionary's KPI columns with unit and definition.
"""

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from kpi_dictionary import KPI_COLUMNS
from nightly_world import NightlyWorld
from private_home import run_job

from orchestration.resources import REPO_ROOT

pytestmark = pytest.mark.slow

FILE = "FI_ITEMS_20250410.txt"


def _corrected(archived: Path, landing: Path, extra: str) -> None:
    """A corrected re-send of an IBC FI_ITEMS file: its last line item `extra` pounds higher."""
    lines = archived.read_bytes().decode("cp1252").split("\r\n")
    header, *items, trailer, _ = lines
    amount = header.split("|").index("DMBTR")
    fields = items[-1].split("|")
    fields[amount] = f"{Decimal(fields[amount]) + Decimal(extra):.2f}"
    items[-1] = "|".join(fields)
    _, count, total = trailer.split("|")
    trailer = f"TRL|{count}|{Decimal(total) + Decimal(extra):.2f}"
    landing.write_bytes("\r\n".join([header, *items, trailer, ""]).encode("cp1252"))


def _release(home: Path) -> Path:
    return (home / "published" / "current").resolve()


def _restatements(release: Path) -> list[dict]:
    with duckdb.connect(str(release / "insight_hub.duckdb"), read_only=True) as con:
        cursor = con.execute("select * from bi.restatements order by table_name, grain, column_name")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _publish(home: Path) -> subprocess.CompletedProcess:
    """`insight-hub publish` on `home`, as a data engineer runs it."""
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    return subprocess.run(
        [sys.executable, "-m", "cli", "publish", "--quiet"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _check(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and e.event_specific_data.check_name == name
    ]
    return evaluation


@dataclass(frozen=True)
class World:
    home: Path
    instance: dg.DagsterInstance
    first: dg.ExecuteInProcessResult
    first_release: Path


@pytest.fixture(scope="module")
def world(nightly_world: NightlyWorld) -> Iterator[World]:
    """April and part of May 2025 through the nightly job: at this release (reporting date 10 May)
    April is closed. The world tests/integration/nightly_world.py builds once, checked out here."""
    with nightly_world.checkout() as (home, instance):
        yield World(home, instance, nightly_world.first, _release(home))


def test_the_dictionary_gives_every_kpi_column_a_unit_and_its_definition(world: World):
    assert world.first.success
    with (world.first_release / "dictionary.csv").open(newline="", encoding="utf-8") as f:
        rows = {(r["table"], r["column"]): r for r in csv.DictReader(f)}
    for table, columns in KPI_COLUMNS.items():
        for column in columns:
            row = rows[(table, column)]
            assert row["unit"] and row["kpi_definition"] == row["description"] != "", (table, column)
            assert row["kpi_null_rule"] and row["kpi_owner"] and row["kpi_source_feeds"], (table, column)
    assert "ibc_fi_items" in rows[("kpi_spend_monthly", "spend_gbp")]["kpi_source_feeds"].split()
    assert not rows[("kpi_spend_monthly", "month")]["kpi_definition"]  # a grain column is no KPI


def test_a_corrected_file_for_a_closed_month_is_restated_with_its_file_and_nothing_else(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    home, instance, first_release = world.home, world.instance, world.first_release
    assert world.first.success
    assert _restatements(first_release) == []  # no previous release: nothing to compare with
    manifest = json.loads((first_release / "manifest.json").read_text())
    assert manifest["restatements"] == {"cells": 0, "by_table": {}}
    assert manifest["reporting_date"] == "2025-05-10"

    # A corrected FI_ITEMS file for 10 April (closed): its last line item 1,000 pounds higher.
    _corrected(
        home / "archive" / "ibc" / "finance" / FILE, home / "landing" / "ibc" / "finance" / FILE, "1000"
    )
    monkeypatch.setenv("INSIGHT_HUB_RESTATEMENT_MATERIALITY", "500")
    second = run_job(home, "nightly_refresh", monkeypatch, instance=instance, partition_key="2025-04-10")
    assert second.success
    release = _release(home)
    assert release != first_release
    rows = _restatements(release)

    # What the correction changed, read independently from the facts both releases published.
    changed_lines = """
        select distinct month, directorate, category from (
            (select * from new.bi.fct_spend except all select * from old.bi.fct_spend)
            union all
            (select * from old.bi.fct_spend except all select * from new.bi.fct_spend))"""
    with duckdb.connect() as con:
        con.execute(f"attach '{release / 'insight_hub.duckdb'}' as new (read_only)")
        con.execute(f"attach '{first_release / 'insight_hub.duckdb'}' as old (read_only)")
        expected = {tuple(str(v) for v in row) for row in con.execute(changed_lines).fetchall()}
    assert len(expected) == 1
    spend = [r for r in rows if r["table_name"] == "kpi_spend_monthly"]
    restated = {
        (g["month"], g["directorate"], g["category"]) for g in (json.loads(r["grain"]) for r in spend)
    }
    assert restated == expected
    assert {r["column_name"]: r["delta"] for r in spend}["spend_gbp"] == pytest.approx(1000)
    # Nothing else: every restated cell is in April, changed, and names the corrected file alone.
    # (The same expense line is also in the budget's actuals: that mart is restated too, or nothing.)
    assert {r["table_name"] for r in rows} <= {
        "kpi_spend_monthly",
        "kpi_budget_monthly",
        "kpi_workforce_monthly",
    }
    for row in rows:
        assert row["month"] == date(2025, 4, 1)
        assert row["change"] == "changed"
        assert row["source_files"] == f"{FILE} (version 2)"
        assert row["cause"] == "corrected version"
        assert row["previous_release_id"] == first_release.name
        assert row["new_value"] - row["old_value"] == pytest.approx(row["delta"])
    manifest = json.loads((release / "manifest.json").read_text())
    by_table: dict[str, int] = {}
    for row in rows:
        by_table[row["table_name"]] = by_table.get(row["table_name"], 0) + 1
    assert manifest["restatements"] == {"cells": len(rows), "by_table": by_table}
    # 1,000 pounds is above the materiality of 500: a warning, and the release went ahead.
    material = _check(second, "material_restatements")
    assert not material.passed and material.severity == dg.AssetCheckSeverity.WARN
    assert material.metadata["material_cells_by_table"].value[0]["table"] in by_table

    # Nothing new delivered: the next release restates nothing.
    third = run_job(home, "nightly_refresh", monkeypatch, instance=instance)
    assert third.success
    assert _release(home) != release
    assert _restatements(_release(home)) == []
    assert _check(third, "material_restatements").passed


def test_insight_hub_publish_recomputes_the_restatements_of_exactly_the_tables_it_publishes(world: World):
    """`insight-hub publish` gates and publishes the `bi` tables as they are: its release's
    bi.restatements compares exactly those tables with the release `current` pointed at, not the
    last nightly run's comparison with an older one."""
    home = world.home
    before = _release(home)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        service, old = con.execute(
            "select service, avg_speed_of_answer_s from bi.kpi_csc_monthly where month = date '2025-04-01' "
            "and avg_speed_of_answer_s is not null order by service limit 1"
        ).fetchone()
        con.execute(
            "update bi.kpi_csc_monthly set avg_speed_of_answer_s = avg_speed_of_answer_s + 1 "
            "where month = date '2025-04-01' and service = ?",
            [service],
        )
    published = _publish(home)
    assert published.returncode == 0, published.stdout[-3000:] + published.stderr[-3000:]
    release = _release(home)
    assert release != before
    rows = _restatements(release)
    assert [
        (r["table_name"], json.loads(r["grain"])["service"], r["column_name"], r["change"], r["cause"])
        for r in rows
    ] == [("kpi_csc_monthly", service, "avg_speed_of_answer_s", "changed", "other")]
    assert rows[0]["old_value"] == pytest.approx(old) and rows[0]["delta"] == pytest.approx(1)
    assert rows[0]["previous_release_id"] == before.name and rows[0]["source_files"] is None
    assert json.loads((release / "manifest.json").read_text())["restatements"]["cells"] == 1

    # Published again with nothing changed: this release restates nothing (not the last one's cells).
    again = _publish(home)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert _release(home) != release
    assert _restatements(_release(home)) == []
