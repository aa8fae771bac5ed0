"""The Dagster instance's storage, created and migrated once before any process uses it.

Each Dagster process (the webserver, the daemon, the code servers they start, a CLI run) creates
the SQLite storage of a new DAGSTER_HOME when it first opens it, and stamps its schema version.
Started together on a fresh home, two of them can stamp the same database twice (one at the
current revision, one at the revision Dagster assumes for tables it did not create); every later
open then fails with "alembic_version has more than one head present". So every entry point that
uses an instance (the CLI commands, the tests' fixtures) calls `prepare_instance` first: under an
exclusive lock, one process creates the storage, or migrates it when the installed Dagster is
newer, and only then are other processes started.

A storage stamped twice by an older version is reported with the command that repairs it
(`insight-hub repair-instance`, i.e. `repair_instance`): it keeps the oldest stamp and lets
Dagster's own migration (`dagster instance migrate`) bring the schema to the current revision;
Dagster's migrations are written to be re-runnable, which is what makes that safe.

With INSIGHT_HUB_DAGSTER_STORAGE_URL the storage is a PostgreSQL database (dagster-postgres): it
is checked reachable first (with a reason that names no password), then created or migrated the
same way; the SQLite stamp checks and the repair concern the SQLite default only.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from orchestration.resources import DAGSTER_STORAGE_VARIABLE, dagster_storage_url, write_instance_config

LOCK_FILE = ".storage.lock"
# The SQLite databases of the default storage of dagster.yaml (DAGSTER_YAML names no storage):
# run storage, the event log's index shard and schedule storage. Per-run event shards are created
# by the run that writes them, and Dagster retries their concurrent creation itself.
STORAGE_DATABASES = ("history/runs.db", "history/runs/index.db", "schedules/schedules.db")
REPAIR_COMMAND = "insight-hub repair-instance"


class InstanceStorageError(RuntimeError):
    """The instance's storage cannot be used as it is; the message says how to repair it."""


@contextlib.contextmanager
def _storage_lock(dagster_home: Path) -> Iterator[None]:
    """Hold `<DAGSTER_HOME>/.storage.lock` exclusively (waiting for another preparer to finish)."""
    fd = os.open(dagster_home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def stamped_revisions(dagster_home: Path) -> dict[Path, list[str]]:
    """The schema revisions stamped in each existing storage database (one each when healthy)."""
    found = {}
    for relative in STORAGE_DATABASES:
        path = dagster_home / relative
        if not path.exists():
            continue
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("select version_num from alembic_version").fetchall()
        except sqlite3.OperationalError:  # no alembic_version table: Dagster stamps it on open
            rows = []
        finally:
            con.close()
        found[path] = [row[0] for row in rows]
    return found


def _half_stamped(dagster_home: Path) -> dict[Path, list[str]]:
    return {path: revs for path, revs in stamped_revisions(dagster_home).items() if len(revs) > 1}


def prepare_instance(dagster_home: Path) -> list[str]:
    """Create the storage of `dagster_home` if it is new, or migrate it if it is outdated, once.

    Returns what was done (empty when the storage was already current). Raises
    InstanceStorageError, naming the repair command, if a database is stamped more than once.
    """
    write_instance_config(dagster_home)
    with _storage_lock(dagster_home):
        if broken := _half_stamped(dagster_home):
            listed = "; ".join(f"{path} has {', '.join(revs)}" for path, revs in broken.items())
            raise InstanceStorageError(
                f"the Dagster storage under {dagster_home} is stamped with more than one schema "
                f"version ({listed}): two processes created it at once (Insight Hub before "
                f"issue 23). Stop `insight-hub ui` and any run of this home, then run: "
                f"INSIGHT_HUB_HOME={dagster_home.parent} {REPAIR_COMMAND}"
            )
        if url := dagster_storage_url():
            created = not _postgres_storage_exists(url)
            where = f"the PostgreSQL database of {DAGSTER_STORAGE_VARIABLE}"
        else:
            created = not all((dagster_home / relative).exists() for relative in STORAGE_DATABASES)
            where = str(dagster_home)
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            outdated = _outdated(instance)  # opening each storage creates and stamps it if new
            if outdated:
                with contextlib.redirect_stdout(io.StringIO()):  # Dagster prints its progress
                    instance.upgrade()
    done = [f"created the Dagster storage in {where}"] if created else []
    return done + [f"migrated {name} storage from {old} to {new}" for name, old, new in outdated]


def _postgres_storage_exists(url: str) -> bool:
    """Does the database hold Dagster's tables? Raises InstanceStorageError when it cannot be reached.

    Checked here, before Dagster opens it: dagster-postgres retries a refused connection and then
    says only "too many retries". psycopg's message names the host and the cause, never a password.
    """
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            return conn.execute("select to_regclass('runs') is not null").fetchone()[0]
    except psycopg.Error as error:
        raise InstanceStorageError(
            f"cannot use the Dagster storage database named by {DAGSTER_STORAGE_VARIABLE}: "
            f"{str(error).strip()}"
        ) from None


def _outdated(instance: dg.DagsterInstance) -> list[tuple[str, str | None, str | None]]:
    """The storages whose stamped revision is not the installed Dagster's head: (name, old, new)."""
    storages = {
        "run": instance.run_storage,
        "event log": instance.event_log_storage,
        "schedule": instance.schedule_storage,
    }
    return [
        (name, *version)
        for name, storage in storages.items()
        if storage is not None and (version := storage.alembic_version())[0] != version[1]
    ]


def repair_instance(dagster_home: Path) -> list[str]:
    """Repair a storage stamped more than once, then migrate it to the installed Dagster's schema.

    Each database stamped more than once keeps only its oldest revision (alembic `stamp --purge`);
    Dagster's migrations from there are re-runnable, so `DagsterInstance.upgrade` (what
    `dagster instance migrate` runs) brings every table to the current schema. Call it with no
    other process of the home running. Returns what was done.
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from dagster._core.storage.runs.sqlite import sqlite_run_storage
    from dagster._core.storage.sql import get_alembic_config
    from sqlalchemy import create_engine

    config = get_alembic_config(sqlite_run_storage.__file__)
    newest_first = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    done = []
    with _storage_lock(dagster_home):
        for path, revisions in _half_stamped(dagster_home).items():
            unknown = [r for r in revisions if r not in newest_first]
            if unknown:
                raise InstanceStorageError(
                    f"{path} is stamped with revisions this Dagster does not know ({', '.join(unknown)}): "
                    "it was written by a newer Dagster; install that version instead of repairing"
                )
            oldest = max(revisions, key=newest_first.index)
            engine = create_engine(f"sqlite:///{path}")
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.stamp(config, oldest, purge=True)
            engine.dispose()
            done.append(f"{path}: kept revision {oldest} of {', '.join(revisions)}")
    return done + prepare_instance(dagster_home)
