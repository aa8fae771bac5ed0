"""The Dagster storage of a home is created once, by whichever process comes first, and a storage
stamped twice by an older version is reported with the command that repairs it, which does."""

import multiprocessing
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from dagster._core.storage.sqlite import LAST_KNOWN_STAMPED_SQLITE_ALEMBIC_REVISION

from cli.instance import (
    REPAIR_COMMAND,
    STORAGE_DATABASES,
    InstanceStorageError,
    prepare_instance,
    repair_instance,
    stamped_revisions,
)


def head_revision(dagster_home: Path) -> str:
    """The schema revision this Dagster stamps on storage it creates."""
    prepare_instance(dagster_home)
    (revision,) = stamped_revisions(dagster_home)[dagster_home / STORAGE_DATABASES[0]]
    return revision


def stamp_twice(database: Path) -> None:
    """What two processes creating one database at once leave: the revision of the one that created
    the tables (the head) and the one Dagster assumes for tables it found without a stamp."""
    con = sqlite3.connect(database)
    con.execute("insert into alembic_version values (?)", [LAST_KNOWN_STAMPED_SQLITE_ALEMBIC_REVISION])
    con.commit()
    con.close()


def _prepare_in_child(dagster_home: str) -> None:
    prepare_instance(Path(dagster_home))


@pytest.mark.slow
def test_processes_preparing_a_fresh_home_at_once_create_each_database_once(tmp_path):
    dagster_home = tmp_path / "dagster"
    context = multiprocessing.get_context("fork")  # dagster already imported: the children start at once
    children = [context.Process(target=_prepare_in_child, args=(str(dagster_home),)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=300)
    assert [child.exitcode for child in children] == [0, 0, 0, 0]
    stamps = stamped_revisions(dagster_home)
    assert sorted(stamps) == sorted(dagster_home / d for d in STORAGE_DATABASES)
    assert all(len(revisions) == 1 for revisions in stamps.values()), stamps
    assert prepare_instance(dagster_home) == []  # already current: nothing to do


def test_a_storage_stamped_twice_is_reported_with_the_repair_command_and_repaired(tmp_path):
    dagster_home = tmp_path / "home" / "dagster"
    head = head_revision(dagster_home)
    runs, index = dagster_home / "history" / "runs.db", dagster_home / "history" / "runs" / "index.db"
    stamp_twice(runs)
    stamp_twice(index)

    with pytest.raises(InstanceStorageError) as refused:
        prepare_instance(dagster_home)
    message = str(refused.value)
    assert f"INSIGHT_HUB_HOME={tmp_path / 'home'} {REPAIR_COMMAND}" in message
    assert str(runs) in message and str(index) in message

    done = repair_instance(dagster_home)
    assert any(str(runs) in line and LAST_KNOWN_STAMPED_SQLITE_ALEMBIC_REVISION in line for line in done)
    assert any("migrated run storage" in line for line in done), done
    assert all(revisions == [head] for revisions in stamped_revisions(dagster_home).values())
    assert prepare_instance(dagster_home) == []


def test_repair_refuses_a_revision_this_dagster_does_not_know(tmp_path):
    dagster_home = tmp_path / "dagster"
    prepare_instance(dagster_home)
    con = sqlite3.connect(dagster_home / "schedules" / "schedules.db")
    con.execute("insert into alembic_version values ('ffffffffffff')")
    con.commit()
    con.close()
    with pytest.raises(InstanceStorageError, match="ffffffffffff.*newer Dagster"):
        repair_instance(dagster_home)
    assert len(stamped_revisions(dagster_home)[dagster_home / "schedules" / "schedules.db"]) == 2


@pytest.mark.slow
def test_the_cli_refuses_a_storage_stamped_twice_and_the_command_it_names_repairs_it(tmp_path):
    home = tmp_path / "home"
    head = head_revision(home / "dagster")
    stamp_twice(home / "dagster" / "history" / "runs.db")
    cli = [sys.executable, "-m", "cli"]
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home)}

    refused = subprocess.run([*cli, "status"], env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1, refused
    named = re.search(r"run: (INSIGHT_HUB_HOME=\S+ insight-hub repair-instance)$", refused.stderr.strip())
    assert named, refused.stderr

    variable, program, *arguments = shlex.split(named.group(1))
    repaired = subprocess.run(
        [str(Path(sys.executable).parent / program), *arguments],
        env={**env, "INSIGHT_HUB_HOME": variable.split("=", 1)[1]},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert repaired.returncode == 0, repaired
    assert "is ready" in repaired.stdout
    assert all(revisions == [head] for revisions in stamped_revisions(home / "dagster").values())
    status = subprocess.run([*cli, "status"], env=env, capture_output=True, text=True, timeout=300)
    assert status.returncode == 0 and "last run:        none yet" in status.stdout, status
