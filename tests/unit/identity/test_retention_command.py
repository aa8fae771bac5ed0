"""`insight-hub retention [--as-of DAY] [--dry-run]`: the schedule applied on demand with the nightly
asset's own function, previewed without changing anything, never as of a day after the reporting date.

A small home: CRM contacts delivered on three days (one line refused), the reporting date 30 April,
a schedule keeping contacts 15 days. As of 20 April the cut-off is 5 April: the first day's contacts
(and its copy, refused line included) go; the later ones stay. The rebuild the command starts is the
nightly job (faked here: dbt is not built; tests/faults/test_retention.py runs the nightly path).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from argparse import Namespace
from datetime import date
from pathlib import Path

import duckdb
import pytest

import cli.main as cli
from ingestion.csc_crm import CONTACTS
from ingestion.landing import ingest_feed
from ingestion.layout import Layout

HEADER = ",".join(c.name for c in CONTACTS.columns)
REPORTING_DATE = date(2025, 4, 30)
EARLIER = date(2025, 4, 20)  # cut-off 5 April with a 15-day period
COUNTS = re.compile(r"retention: (\w+): cut-off (\S+): (\d+) records, (\d+) rows, (\d+) delivered files")


def contact(contact_id: str, day: str, channel: str = "Email") -> str:
    values = {c.name: "" for c in CONTACTS.columns}
    values.update(contact_id=contact_id, created_at=f"{day} 10:00:00", channel=channel, service="Libraries")
    return ",".join(f'"{values[c.name]}"' for c in CONTACTS.columns)


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("INSIGHT_HUB_SALT", "retention-command-salt")
    schedule = tmp_path.parent / f"{tmp_path.name}-retention.yml"
    schedule.write_text(
        "schedule:\n  - data_class: customer_contacts\n    systems: [crm]\n    period: 15 days\n"
        "    trigger: record_date\n    legal_basis: test\n"
    )
    monkeypatch.setenv("INSIGHT_HUB_RETENTION_SCHEDULE", str(schedule))
    landing = Layout(tmp_path).landing / CONTACTS.feed_path
    landing.mkdir(parents=True)
    days = {
        "2025-04-01": ["C1", "C2", "C7 refused"],
        "2025-04-10": ["C3"],
        "2025-04-20": ["C4", "C5"],
    }
    for n, (day, ids) in enumerate(days.items()):
        lines = [contact(i.split()[0], day, "Pigeon" if "refused" in i else "Email") for i in ids]
        path = landing / f"contacts_{day.replace('-', '')}.csv"
        path.write_text("\n".join([HEADER, *lines]) + "\n")
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))
    with duckdb.connect(str(Layout(tmp_path).warehouse)) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_reporting_date as select ?::date as reporting_date",
            [REPORTING_DATE],
        )
    return tmp_path


def state(home: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Every file under the home by checksum (the run lock's aside: every command takes it), and every
    table's row count."""
    files = {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != ".run.lock"
    }
    with duckdb.connect(str(Layout(home).warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        rows = {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
    return files, rows


def retention(home: Path, monkeypatch, capsys, as_of: date | None, dry_run: bool) -> tuple[int, str, str]:
    rebuilds = []
    monkeypatch.setattr(cli, "_run_job", lambda *args: rebuilds.append(args[2]) or cli.EXIT_OK)
    args = Namespace(command="retention", as_of=as_of, dry_run=dry_run, quiet=True)
    try:
        code = cli._retention(args, home)
    except cli._Exit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    assert rebuilds == ([] if dry_run or code != cli.EXIT_OK else [cli.NIGHTLY_JOB])
    return code, out, err


def test_a_dry_run_changes_nothing_and_counts_what_the_run_then_removes(home, monkeypatch, capsys):
    before = state(home)
    code, out, _ = retention(home, monkeypatch, capsys, EARLIER, dry_run=True)
    assert code == cli.EXIT_OK and "dry run: nothing changed" in out
    assert state(home) == before
    (previewed,) = COUNTS.findall(out)
    assert previewed[:3] == ("customer_contacts", "2025-04-05", "2") and "would go" in out

    code, out, _ = retention(home, monkeypatch, capsys, EARLIER, dry_run=False)
    assert code == cli.EXIT_OK and (removed := COUNTS.findall(out)) == [previewed]
    with duckdb.connect(str(Layout(home).warehouse), read_only=True) as con:
        left = con.execute("select contact_id from raw.csc_crm_contacts order by 1").fetchall()
        (user, subject, counts, details), *more = con.execute(
            "select os_user, subject_hash, counts::varchar, details::varchar from ops.governance_log "
            "where action = 'retention'"
        ).fetchall()
    assert left == [("C3",), ("C4",), ("C5",)] and not more
    details = json.loads(details)
    assert user and subject is None and details["cutoff"] == "2025-04-05"
    assert (details["records"], sum(json.loads(counts).values()), details["files_rewritten"]) == (
        {"crm": 2},
        int(removed[0][3]),
        int(removed[0][4]),
    )
    emptied = Layout(home).archive / CONTACTS.feed_path / "contacts_20250401.csv"
    assert b"C7" not in emptied.read_bytes()  # the refused line went with its copy


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2025, 5, 1), "after the warehouse's reporting date 2025-04-30"),
        (date(1, 1, 1), "reaches back before year 1"),  # no period can count back from it
    ],
)
def test_a_day_after_the_reporting_date_or_too_early_to_count_back_from_is_refused_and_nothing_is_done(
    home, monkeypatch, capsys, day, message
):
    before = state(home)
    for dry_run in (True, False):
        code, out, err = retention(home, monkeypatch, capsys, day, dry_run)
        assert code == cli.EXIT_FAILED and message in err
        assert state(home) == before


def test_by_default_the_day_is_the_reporting_date(home, monkeypatch, capsys):
    code, out, _ = retention(home, monkeypatch, capsys, None, dry_run=True)
    assert code == cli.EXIT_OK and "as of 2025-04-30" in out
    assert COUNTS.findall(out)[0][1:3] == ("2025-04-15", "3")
