"""Running `insight-hub` as a subprocess on a home of its own, watching its run and killing it.

A run's stage is observed in the real state it writes: the Dagster run and event storage under
`<home>/dagster` (which step started, how many assets it materialised) and the files it creates
(a release being built). A kill is SIGKILL to the whole process group (the command and the dbt it
runs), as a crash, the out-of-memory killer or a stopped container would.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from cli.instance import prepare_instance
from orchestration.operations.run_lock import UNFINISHED
from publication.release import hyper_log_dir, verify_release

CLI = [sys.executable, "-m", "cli"]
# Distinctive secrets: nothing under the home, no output, may ever hold them.
SECRETS = {
    "INSIGHT_HUB_SALT": "salt-7f3a9c20-do-not-log",
    "INSIGHT_HUB_SMTP_USER": "alerts-user",
    "INSIGHT_HUB_SMTP_PASSWORD": "smtp-pw-41b2e8-do-not-log",
    "INSIGHT_HUB_WEBHOOK_URL": "https://hooks.example.invalid/services/T0/B0/webhook-9d8e1f-do-not-log",
}
# Columns whose values legitimately differ between two runs over the same files: when ingestion ran.
VARYING_COLUMNS = {"processed_at"}


def environment(home: Path) -> dict[str, str]:
    return {**os.environ, "INSIGHT_HUB_HOME": str(home), **SECRETS}


class Command:
    """One `insight-hub` command in its own process group, its output kept in files for later scans."""

    def __init__(self, home: Path, *args: str) -> None:
        self.home = home
        outputs = home.parent / "outputs"
        outputs.mkdir(exist_ok=True)
        stem = f"{home.name}-{'-'.join(args)}-{time.monotonic_ns()}"
        self.stdout_path, self.stderr_path = outputs / f"{stem}.out", outputs / f"{stem}.err"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.process = subprocess.Popen(
                [*CLI, *args], env=environment(home), stdout=out, stderr=err, start_new_session=True
            )

    def wait(self, timeout: float = 900) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    @property
    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()


def run(home: Path, *args: str) -> tuple[int, str]:
    command = Command(home, *args)
    return command.wait(), command.output


def instance(home: Path) -> dg.DagsterInstance:
    """The home's Dagster instance, its storage prepared as the CLI prepares it (whichever is first)."""
    prepare_instance(home / "dagster")
    return dg.DagsterInstance.from_config(str(home / "dagster"))


def wait_until(command: Command, condition: Callable[[], bool], what: str, timeout: float = 600) -> None:
    """Poll `condition` while the command runs; fail if it ends or the time runs out first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if command.process.poll() is not None:
            raise AssertionError(
                f"the command ended ({command.process.returncode}) before {what}:\n{command.output}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def run_ids(inst: dg.DagsterInstance) -> set[str]:
    return {r.run_id for r in inst.get_runs()}


class Watch:
    """The run a command starts: the first run of the instance that was not there before it."""

    def __init__(self, inst: dg.DagsterInstance) -> None:
        self.inst, self.known, self.run_id = inst, run_ids(inst), None

    def events(self, kind: dg.DagsterEventType) -> list:
        if self.run_id is None:
            self.run_id = next(
                (r.run_id for r in self.inst.get_runs(limit=5) if r.run_id not in self.known), None
            )
        if self.run_id is None:
            return []
        return [record.dagster_event for record in self.inst.all_logs(self.run_id, of_type=kind)]

    def step_started(self, prefix: str) -> bool:
        return any(e.step_key.startswith(prefix) for e in self.events(dg.DagsterEventType.STEP_START))

    def materialised(self, prefix: str) -> int:
        return sum(
            e.step_key.startswith(prefix) for e in self.events(dg.DagsterEventType.ASSET_MATERIALIZATION)
        )


def unfinished_runs(inst: dg.DagsterInstance) -> list[str]:
    return [r.run_id for r in inst.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED))]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def delivered(landing: Path) -> Counter:
    """(feed path, file name, sha256) of every file of a landing zone."""
    return Counter(
        (str(p.parent.relative_to(landing)), p.name, sha256(p)) for p in landing.rglob("*") if p.is_file()
    )


def where_files_are(home: Path) -> Counter:
    """(feed path, file name, sha256) of every data file in landing/, archive/ and quarantine/."""
    found: Counter = Counter()
    for area in ("landing", "archive", "quarantine"):
        root = home / area
        for p in root.rglob("*"):
            if p.is_file() and not p.name.endswith(".rejection.json"):
                parts = p.relative_to(root).parts[:-1]
                feed = "/".join(parts[: parts.index("superseded")] if "superseded" in parts else parts)
                found[(feed, p.name, sha256(p))] += 1
    return found


def current_is_complete(home: Path) -> str | None:
    """The release `current` points at, after checking it is complete and intact (None: no current)."""
    published = home / "published"
    link = published / "current"
    if not link.is_symlink():
        assert not link.exists(), "published/current is not a symlink"
        return None
    target = link.resolve()
    assert target.parent == (published / "releases").resolve() and not target.name.startswith(".")
    verify_release(target, hyper_log_dir(published))
    return target.name


def release_content(release: Path) -> dict:
    """What a release says, without what legitimately differs between runs (ids, times, run ids):
    per table its columns and types, row count and an order-independent checksum of its rows; the
    transparency files; the source files that fed it."""
    manifest = json.loads((release / "manifest.json").read_text())
    con = duckdb.connect()
    try:
        for audience, section in manifest["audiences"].items():  # each table read from its own set
            con.execute(
                f"attach '{release / section['folder'] / 'insight_hub.duckdb'}' as set_{audience} (read_only)"
            )
        tables = {}
        for table, described in manifest["tables"].items():
            # A double's last bits depend on the order a sum met its rows: compared to 9 decimals.
            quoted = ", ".join(
                f'round("{c["name"]}", 9)' if c["type"] in ("DOUBLE", "FLOAT") else f'"{c["name"]}"'
                for c in described["columns"]
                if c["name"] not in VARYING_COLUMNS
            )
            checksum = con.execute(
                f"select count(*), coalesce(sum(hash({quoted})), 0) "
                f"from set_{described['audience']}.bi.{table}"
            ).fetchone()
            tables[table] = {"columns": described["columns"], "rows": described["rows"], "checksum": checksum}
    finally:
        con.close()
    return {
        "tables": tables,
        "transparency": {
            p.name: sha256(p) for p in sorted((release / "open" / "transparency").glob("*.csv"))
        },
        "source_files": sorted(
            (f["feed"], f["name"], f["sha256"], f["rows"]) for f in manifest["source_files"]
        ),
        "reporting_date": manifest["reporting_date"],
    }
