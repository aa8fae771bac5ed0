"""The whole graph materialises in-process on a small simulated county and publishes a release; a
corrected file is then backfilled for its day alone on the same world (one first nightly run serves
both tests, and test_restatements: tests/integration/nightly_world.py)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from nightly_world import NightlyWorld
from private_home import run_job

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Nightly:
    """The world after its first nightly run: the run, and the release `current` named after it."""

    home: Path
    instance: dg.DagsterInstance
    result: dg.ExecuteInProcessResult
    release: str


@pytest.fixture(scope="module")
def nightly(nightly_world: NightlyWorld) -> Iterator[Nightly]:
    """April and part of May 2025 through the nightly job (the days waiting in landing, as scheduled):
    the world tests/integration/nightly_world.py builds once, checked out for this module."""
    # The backfill test moves `current` on: the release the first run switched it to is recorded.
    with nightly_world.checkout() as (home, instance):
        yield Nightly(home, instance, nightly_world.first, nightly_world.first_release)


def test_nightly_job_ingests_builds_gates_and_publishes(nightly: Nightly):
    result = nightly.result
    assert result.success
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    assert checks and all(c.passed for c in checks if c.blocking)
    # The simulated files are dated 2025: against today's clock every feed is late, which is a
    # warning for operations and never stops the release.
    late = [c for c in checks if c.check_name == "arrived_on_time"]
    assert late and all(not c.passed and c.severity == dg.AssetCheckSeverity.WARN for c in late)
    current = nightly.home / "published" / "releases" / nightly.release
    manifest = json.loads((current / "manifest.json").read_text())
    assert manifest["run_id"] == result.run_id
    assert any(f["name"].startswith("PA0001_") for f in manifest["source_files"])
    assert "kpi_workforce_monthly" in manifest["tables"]
    con = duckdb.connect(str(current / "insight_hub.duckdb"), read_only=True)
    months, headcount = con.execute(
        "select count(distinct month), sum(headcount) from bi.kpi_workforce_monthly"
    ).fetchone()
    con.close()
    assert months == 2  # April and (part of) May 2025
    assert headcount > 0
    # Seven directorates and UNALLOCATED (agency spend lines without a directorate), each month.
    assert manifest["tables"]["kpi_workforce_monthly"]["rows"] == 2 * 8


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


def test_a_corrected_file_is_backfilled_for_its_day_alone(nightly: Nightly, monkeypatch: pytest.MonkeyPatch):
    """A corrected FI_ITEMS file for 10 April and a late CRM file for 12 April land; the day 10 April
    is backfilled (as from the UI): the correction is loaded and published, the other day's file waits."""
    home, instance, first_release = nightly.home, nightly.instance, nightly.release
    assert nightly.result.success
    crm = home / "archive" / "csc" / "crm" / "contacts_20250412.csv"
    late = home / "landing" / "csc" / "crm" / crm.name
    crm.rename(late)  # as if it had not been delivered yet: it lands late
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("delete from raw.csc_crm_contacts where _source_file = ?", [crm.name])
        con.execute("delete from ops.file_register where file_name = ?", [crm.name])
    name = "FI_ITEMS_20250410.txt"
    _corrected(
        home / "archive" / "ibc" / "finance" / name, home / "landing" / "ibc" / "finance" / name, "1000"
    )

    result = run_job(home, "nightly_refresh", monkeypatch, instance=instance, partition_key="2025-04-10")

    assert result.success
    feeds = {
        (e.asset_key.path[1], e.partition)
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
        and e.asset_key.path[0] == "raw"
        and e.partition
    }
    assert ("ibc_fi_items", "2025-04-10") in feeds and {p for _, p in feeds} == {"2025-04-10"}
    assert late.exists(), "the other day's late file waits for its own run"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        versions = con.execute(
            "select version, status from ops.file_register where file_name = ? order by version", [name]
        ).fetchall()
    assert versions == [(1, "loaded"), (2, "loaded")]
    current = (home / "published" / "current").resolve()
    assert current.name != first_release
    with (
        duckdb.connect(str(current / "insight_hub.duckdb"), read_only=True) as after,
        duckdb.connect(
            str(home / "published" / "releases" / first_release / "insight_hub.duckdb"), read_only=True
        ) as before,
    ):
        total = "select sum(amount_gbp) from bi.fct_spend"
        assert after.execute(total).fetchall()[0][0] - before.execute(total).fetchall()[0][0] == Decimal(
            "1000"
        )
