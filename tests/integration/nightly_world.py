"""April and part of May 2025 taken through the nightly job once per test process, lent to the modules
that start from that first run (test_nightly_job, test_restatements): the same build, once instead of
twice (docs/testing.md).

Each borrower goes on to run the job again on the world, so it gets its own copy: the snapshot of
`place` (the home and the Dagster instance's storage beside it) restored at the very path the first
run used, since a refreshed home holds its own absolute path (ops.file_register.report_path,
release manifests, dbt's artifacts). The instance is on disk, not in memory, so that its history
(the check evaluations the publish step looks up) is restored with the home. One borrower at a
time: a checkout discards the previous one (each borrower is a module, and keeps its checkout for
all its tests).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from private_home import run_job

from simulator import simulate

WORLD = {"scale": 0.01, "start": date(2025, 4, 1), "days": 40, "seed": 7, "defects": 0.0}


@dataclass(frozen=True)
class NightlyWorld:
    place: Path  # `home` and `instance` (the Dagster instance's storage) as the first run used them
    snapshot: Path  # `place` as the first run left it
    first: dg.ExecuteInProcessResult  # the first nightly run (its events are held in memory)
    first_release: str  # the release `current` named after the first run

    @contextmanager
    def checkout(self) -> Iterator[tuple[Path, dg.DagsterInstance]]:
        """The home and its instance after the first run, at their paths; the previous borrower's
        copy is discarded."""
        if self.place.exists():
            shutil.rmtree(self.place)
        shutil.copytree(self.snapshot, self.place, symlinks=True)
        with dg.DagsterInstance.from_config(str(self.place / "instance")) as instance:
            yield self.place / "home", instance


def build(root: Path) -> NightlyWorld:
    """Simulate WORLD and run the nightly job on it (the days waiting in landing, as scheduled)."""
    place = root / "world"
    home = place / "home"
    simulate(home, **WORLD)
    (place / "instance").mkdir()
    with (
        dg.DagsterInstance.local_temp(str(place / "instance")) as instance,
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        first = run_job(home, "nightly_refresh", monkeypatch, instance=instance)
    snapshot = root / "snapshot"
    shutil.copytree(place, snapshot, symlinks=True)
    return NightlyWorld(place, snapshot, first, (home / "published" / "current").resolve().name)
