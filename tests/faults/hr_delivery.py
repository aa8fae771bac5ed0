"""One delivery to the `ibc/hr` folder that exercises every kind of write ingestion makes, and the
state ingestion leaves, for the crash and rebuild tests.

Before it: PA0000 of 1 April and PA0001 of April loaded, PA0000 of 3 April refused. The delivery:
a corrected re-send of a loaded file and of a refused one, a file with a refused row, a refused
file, a new snapshot and a stranger.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
from feed_files import FeedFile, file_name

from ingestion import FEEDS
from ingestion.ibc_hr import PA0000, PA0001
from ingestion.landing import ingest_feed

HR = [s for s in FEEDS if s.feed_path == "ibc/hr"]


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


def state(home: Path, feeds: list = HR) -> dict:
    """Everything ingestion decides: tables (without load times), reports (without creation times),
    and every file under landing/, archive/ and quarantine/ with its sha256."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        tables = {
            "register": "select * exclude (processed_at, report_path), "
            "regexp_replace(report_path, '^.*/quarantine/', 'quarantine/') from ops.file_register",
            "findings": "select * exclude (found_at) from ops.ingestion_findings",
            "refused_rows": "select * exclude (quarantined_at) from ops.quarantined_rows",
            **{s.table: f"select * exclude (_loaded_at) from raw.{s.table}" for s in feeds},
        }
        found = {name: sorted(map(str, con.execute(sql).fetchall())) for name, sql in tables.items()}
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
