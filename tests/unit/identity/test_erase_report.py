"""`insight-hub erase` says truthfully what became of the releases holding the person: the nightly run
it starts withdraws them (governance/warehouse_compaction) before the command's own withdrawal looks,
so counting only the command's own withdrawals reported "withdrew 0 releases"."""

import os
from argparse import Namespace
from pathlib import Path

import duckdb
import pytest

import cli.main as cli
from identity import erasure
from ingestion.layout import Layout

HELD = ["20250101T020000Z", "20250102T020000Z"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    """A warehouse holding one CRM contact, and two releases built before any erasure (the second current)."""
    monkeypatch.setenv("INSIGHT_HUB_SALT", "erase-report-salt")
    layout = Layout(tmp_path)
    with duckdb.connect(str(layout.warehouse)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.csc_crm_contacts as select 'C1' as contact_id, null::varchar as call_id"
        )
    for release_id in HELD:
        layout.published.release(release_id).mkdir(parents=True)
    os.symlink(layout.published.current_target(HELD[-1]), layout.published.current)
    return tmp_path


def nightly_run_that_publishes(args, home: Path, job: str, command: str) -> int:
    """What the nightly run does after an erasure: its compaction withdraws the releases built before
    the removal, and the run publishes a new release (faked: no dbt here)."""
    published = Layout(home).published
    erasure.withdraw_releases(published.root, "99991231T235959Z")
    new = erasure.release_id_at(erasure.datetime.now(erasure.UTC))
    published.release(new).mkdir(parents=True)
    os.symlink(published.current_target(new), published.current)
    return cli.EXIT_OK


def erase(home: Path, monkeypatch, capsys, job) -> tuple[int, str]:
    monkeypatch.setattr(cli, "_run_job", job)
    args = Namespace(command="erase", system="crm", record="C1", customer_key=None, quiet=True)
    code = cli._erase(args, home)
    return code, capsys.readouterr().out


def test_the_report_counts_the_releases_the_nightly_run_withdrew(home, monkeypatch, capsys):
    code, out = erase(home, monkeypatch, capsys, nightly_run_that_publishes)
    assert code == cli.EXIT_OK
    assert (
        f"withdrew 2 of 2 releases built before the erasure (they held the person): {', '.join(HELD)}" in out
    )
    assert "1 releases built since, without the person" in out and "current: 2" in out
    assert "still on disk" not in out


def test_the_report_says_when_nothing_was_published_after_the_erasure(home, monkeypatch, capsys):
    code, out = erase(home, monkeypatch, capsys, lambda *args: cli.EXIT_FAILED)  # the rebuild failed
    assert code == cli.EXIT_FAILED
    assert "withdrew 2 of 2 releases" in out  # the command withdraws them itself
    assert "0 releases built since, without the person: -; current: none" in out
    assert not Layout(home).published.current.exists()


@pytest.fixture
def compactions(monkeypatch) -> list[Path]:
    """Every compaction of a warehouse from here on (each still done)."""
    done: list[Path] = []
    compact = erasure.compact
    monkeypatch.setattr(erasure, "compact", lambda database: done.append(database) or compact(database))
    return done


def nightly_run_that_compacts(args, home: Path, job: str, command: str) -> int:
    """A nightly run that succeeds: its compaction asset also compacts the warehouse."""
    erasure.compact(Layout(home).warehouse)  # as governance/warehouse_compaction does
    return nightly_run_that_publishes(args, home, job, command)


def test_after_a_successful_rebuild_the_warehouse_is_compacted_once_by_the_nightly_run(
    home, monkeypatch, capsys, compactions
):
    """A whole-warehouse rewrite costs minutes at county scale: erase leaves it to the nightly run."""
    code, out = erase(home, monkeypatch, capsys, nightly_run_that_compacts)
    assert code == cli.EXIT_OK and len(compactions) == 1
    assert "compacted by the nightly run" in out and "withdrew 2 of 2 releases" in out


def test_when_the_rebuild_fails_erase_compacts_the_warehouse_itself(home, monkeypatch, capsys, compactions):
    code, out = erase(home, monkeypatch, capsys, lambda *args: cli.EXIT_FAILED)
    assert code == cli.EXIT_FAILED and len(compactions) == 1 and "warehouse compacted:" in out
