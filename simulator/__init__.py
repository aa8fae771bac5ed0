"""The council's source systems, simulated: writes the extracts of the sources contract into landing/.

Never imported by the platform, only by the CLI's `simulate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from simulator.feeds import FEEDS
from simulator.world import World
from simulator.writers import deliver, render

DEFECT_KINDS: tuple[str, ...] = ()


def simulate(home: Path, *, scale: float = 0.02, start: dt.date = dt.date(2025, 4, 1), days: int = 90,
             seed: int = 1, defects: float = 0.01, kinds: dict[str, bool] | None = None,
             progress: Callable[[str], None] | None = None) -> dict:
    """Deliver the files dated in [start, start + days) of the world given by (seed, scale)."""
    home = Path(home)
    landing = home / "landing"
    truth = home / "simulator_truth"
    truth.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _msg: None)
    world = World(seed, scale)
    files: dict[str, int] = {}
    rows: dict[str, int] = {}
    first = np.datetime64(start, "D")
    for i in range(days):
        day = first + np.timedelta64(i, "D")
        for feed in FEEDS:
            if not feed.due(day):
                continue
            f = feed.build(world, day)
            deliver(landing, f.feed, f.name, render(f, day.astype(dt.date)))
            files[f.feed] = files.get(f.feed, 0) + 1
            rows[f.feed] = rows.get(f.feed, 0) + f.n_rows
        if i % 30 == 0:
            say(f"delivered files up to {day}")
    return {"files": files, "rows": rows, "defects": 0, "truth_dir": str(truth)}
