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

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from feed_files import FeedFile, file_name

from ingestion import FEEDS, landing
from ingestion.ibc_hr import PA0000, PA0001
from ingestion.landing import ingest_feed
from ingestion.rejection import RejectionReport

HR = [s for s in FEEDS if s.feed_path == "ibc/hr"]


class Crash(BaseException):
    """The process dies here (a BaseException: no `except Exception` handler sees it)."""


def day(n: int) -> date:
    return date(2025, 4, n)


def ingest_folder(home: Path) -> None:
    """What one run does for the folder: every feed of `ibc/hr` in turn, on its own connection."""
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        for spec in HR:
            ingest_feed(con, home, spec)
    finally:
        con.close()  # without commit: a crash mid-transaction leaves nothing written


def before_the_delivery(home: Path) -> None:
    """Loaded already: PA0000 of 1 April (to be re-sent) and PA0001 of April; refused: PA0000 of 3 April."""
    FeedFile.valid(PA0000, n=2).write(home, file_name(PA0000, day(1)))
    FeedFile.valid(PA0001, n=2).write(home, file_name(PA0001, day(1)))
    path = FeedFile.valid(PA0000, n=2, first=30).write(home, file_name(PA0000, day(3)))
    path.write_bytes(path.read_bytes().split(b"TRL|")[0])  # no trailer: refused
    ingest_folder(home)


def the_delivery(home: Path) -> None:
    FeedFile.valid(PA0000, n=3).write(home, file_name(PA0000, day(1)))  # corrected re-send of a loaded file
    FeedFile.valid(PA0000, n=2, first=30).write(home, file_name(PA0000, day(3)))  # re-send of a refused one
    bad_row = FeedFile.valid(PA0000, n=3, first=10)
    bad_row.rows[1][bad_row.column("BEGDA")] = "20251340"
    bad_row.write(home, file_name(PA0000, day(2)))
    path = FeedFile.valid(PA0000, n=2, first=20).write(home, file_name(PA0000, day(4)))
    path.write_bytes(path.read_bytes().replace(b"TRL|2|", b"TRL|5|"))  # refused: wrong count
    FeedFile.valid(PA0001, n=3).write(home, file_name(PA0001, date(2025, 5, 1)))
    (home / "landing" / "ibc" / "hr" / "notes.txt").write_text("not an extract")


def state(home: Path) -> dict:
    """Everything ingestion decides: tables (without load times), reports (without creation times),
    and every file under landing/, archive/ and quarantine/ with its sha256."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        tables = {
            "register": "select * exclude (processed_at, report_path), "
            "replace(report_path, $home, '') from ops.file_register",
            "findings": "select * exclude (found_at) from ops.ingestion_findings",
            "refused_rows": "select * exclude (quarantined_at) from ops.quarantined_rows",
            **{s.table: f"select * exclude (_loaded_at) from raw.{s.table}" for s in HR},
        }
        found = {
            name: sorted(map(str, con.execute(sql, {"home": str(home)} if "$home" in sql else {}).fetchall()))
            for name, sql in tables.items()
        }
    finally:
        con.close()
    for area in ("landing", "archive", "quarantine"):
        for path in sorted((home / area).rglob("*")):
            if path.is_file():
                key = f"{path.relative_to(home)}"
                if path.name.endswith(".rejection.json"):
                    found[key] = {k: v for k, v in json.loads(path.read_text()).items() if k != "created_at"}
                else:
                    found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


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

    for attribute in ("_move", "write_rows", "_register"):
        wrap(landing, attribute)
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


def test_a_crash_at_any_write_of_ingestion_then_a_rerun_ends_as_an_uninterrupted_run(
    prepared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    before, reference = prepared
    n = 0
    while True:
        n += 1
        home = tmp_path / f"crash-{n}"
        shutil.copytree(before, home)
        with monkeypatch.context() as patch:
            seen = crash_at(patch, n)
            try:
                ingest_folder(home)
                crashed = False
            except Crash:
                crashed = True
        ingest_folder(home)  # the next run
        assert state(home) == reference, f"crash at write {n} of {seen()}"
        shutil.rmtree(home)
        if not crashed:
            break
    assert n > 20  # every write of the run was a crash point
