"""A crash at any point of ingestion loses nothing: the next run ends exactly where an uninterrupted one does.

Ingestion writes in a fixed order: reports, then one transaction (raw rows and bookkeeping), then
moves the files. The test runs one delivery (re-sends of a loaded and of a refused file, a file
with a refused row, a refused file, a stranger) and makes the process "die" before and after each of
those writes in turn: the crash is an exception no `except Exception` catches, the connection is
closed without commit (what a killed process leaves: DuckDB discards an uncommitted transaction),
and a fresh connection runs ingestion again. Every time, the tables, the reports and the layout of
landing/archive/quarantine must equal those of the uninterrupted run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hr_delivery import before_the_delivery, ingest_folder, state, the_delivery

from ingestion import landing, loader, zone
from ingestion.rejection import RejectionReport


class Crash(BaseException):
    """The process dies here (a BaseException: no `except Exception` handler sees it)."""


def crash_at(monkeypatch: pytest.MonkeyPatch, n: int) -> Callable[[], int]:
    """Make the n-th write of ingestion crash (before or after it happens); returns the count seen."""
    seen = 0

    def wrap(owner, attribute: str) -> None:
        original = getattr(owner, attribute)

        def crashing(*args, **kwargs):
            nonlocal seen
            seen += 1
            if seen == n:
                raise Crash(f"before {attribute}")
            result = original(*args, **kwargs)
            seen += 1
            if seen == n:
                raise Crash(f"after {attribute}")
            return result

        monkeypatch.setattr(owner, attribute, crashing)

    wrap(zone, "move")
    wrap(loader, "write_rows")
    wrap(landing, "_record")
    wrap(RejectionReport, "write")
    return lambda: seen


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, dict]:
    """The home before the delivery, and the state an uninterrupted run reaches from it."""
    before = tmp_path_factory.mktemp("before")
    before_the_delivery(before)
    the_delivery(before)
    reference = tmp_path_factory.mktemp("reference") / "home"
    shutil.copytree(before, reference)
    ingest_folder(reference)
    return before, state(reference)


def test_the_reference_run_did_everything_the_delivery_asks(prepared):
    _, reference = prepared
    assert len(reference["register"]) == 9  # 3 files before, 6 in the delivery (2 of them re-sends)
    files = [key for key in reference if "/" in key]
    assert not [key for key in files if key.startswith("landing/")]
    assert "archive/ibc/hr/PA0000_20250401.txt" in files  # version 2 on top, version 1 set aside
    assert any(
        k.startswith("archive/ibc/hr/superseded/v1-") and k.endswith("PA0000_20250401.txt") for k in files
    )
    assert any(
        k.startswith("quarantine/ibc/hr/superseded/v1-") and k.endswith("PA0000_20250403.txt") for k in files
    )
    assert {"quarantine/ibc/hr/notes.txt", "quarantine/ibc/hr/PA0000_20250404.txt"} <= set(files)
    assert reference["quarantine/ibc/hr/PA0000_20250402.txt.rejection.json"]["outcome"] == "rows_quarantined"


def crash_at_every_write(start: Path, expected: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """From a copy of `start`, crash at write 1, 2, .. of a run, rerun, compare; returns the writes seen."""
    n = 0
    while True:
        n += 1
        home = tmp_path / f"crash-{n}"
        shutil.copytree(start, home)
        with monkeypatch.context() as patch:
            seen = crash_at(patch, n)
            try:
                ingest_folder(home)
                crashed = False
            except Crash:
                crashed = True
        ingest_folder(home)  # the next run
        assert state(home) == expected, f"crash at write {n} of {seen()}"
        shutil.rmtree(home)
        if not crashed:
            return n - 1


def test_a_crash_at_any_write_of_ingestion_then_a_rerun_ends_as_an_uninterrupted_run(
    prepared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    before, reference = prepared
    assert crash_at_every_write(before, reference, tmp_path, monkeypatch) > 20


def test_a_crash_at_any_write_of_a_rebuild_then_a_rerun_ends_as_the_original(
    prepared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A rebuild from archive/ (warehouse.duckdb deleted) writes reports and the register: the same."""
    before, reference = prepared
    start = tmp_path / "start"
    shutil.copytree(before, start)
    ingest_folder(start)
    (start / "warehouse.duckdb").unlink()
    assert crash_at_every_write(start, reference, tmp_path, monkeypatch) > 5
