"""One small simulated county, refreshed once per test process, lent to the fault tests that start
from it (crash safety's baseline, erasure, retention): the same build, once instead of three times.

A refreshed home holds its own absolute path (ops.file_register.report_path, release manifests,
Dagster's storage), so a copy elsewhere is not the home a refresh leaves. Each borrower gets the
snapshot restored at the very path the refresh ran at: byte for byte what the refresh left there.
One borrower at a time: a checkout discards the previous one (each borrower is a module, and
pytest runs a module's tests together; a module keeps its checkout for all its tests).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cli_runs import run
from erasure_scan import age

from simulator import simulate

WORLD = {"scale": 0.01, "start": date(2025, 4, 1), "days": 40, "seed": 5, "defects": 0.02}


@dataclass(frozen=True)
class RefreshedWorld:
    pristine: Path  # the world as delivered (landing files an hour old, the simulator's truth)
    place: Path  # where the refresh ran: `home` and the commands' `outputs` beside it
    snapshot: Path  # `place` as the refresh left it

    def checkout(self) -> Path:
        """The refreshed home at the path it was refreshed at; the previous borrower's is discarded."""
        if self.place.exists():
            shutil.rmtree(self.place)
        shutil.copytree(self.snapshot, self.place, symlinks=True)
        return self.place / "home"


def build(root: Path) -> RefreshedWorld:
    """Simulate WORLD, deliver it to a home an hour ago and refresh it (one `insight-hub refresh`)."""
    pristine = root / "pristine"
    simulate(pristine, **WORLD)
    age(pristine / "landing")
    place = root / "world"
    home = place / "home"
    for folder in ("landing", "simulator_truth"):
        shutil.copytree(pristine / folder, home / folder)  # modification times kept
    code, output = run(home, "refresh", "--quiet")
    assert code == 0 and "published release" in output, output
    snapshot = root / "snapshot"
    shutil.copytree(place, snapshot, symlinks=True)
    return RefreshedWorld(pristine, place, snapshot)
