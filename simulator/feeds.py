"""The feeds of the sources contract: where each goes, when it is due and how it is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator import ibc_hr
from simulator.dates import ymd_parts
from simulator.world import World
from simulator.writers import FileOut


@dataclass(frozen=True)
class Feed:
    path: str  # feed path under landing/
    prefix: str  # file name prefix, also the defect stream name
    fmt: str  # ibc | csv | csv_bom | jsonl | xlsx
    cadence: str  # daily | weekly | monthly | budget
    build: Callable[[World, np.datetime64], FileOut]

    def due(self, day: np.datetime64) -> bool:
        _, m, d = ymd_parts(np.array([day]))
        if self.cadence == "daily":
            return True
        if self.cadence == "monthly":
            return int(d[0]) == 1
        if self.cadence == "weekly":
            return int((day.astype(np.int64) - 4) % 7) == 0  # 1970-01-05 was a Monday
        return False


FEEDS: list[Feed] = [
    Feed("ibc/hr", "PA0001", "ibc", "monthly", lambda w, d: ibc_hr.pa0001(w.staff, d)),
    Feed("ibc/hr", "PA0002", "ibc", "monthly", lambda w, d: ibc_hr.pa0002(w.staff, d)),
    Feed("ibc/hr", "PA0007", "ibc", "monthly", lambda w, d: ibc_hr.pa0007(w.staff, d)),
    Feed("ibc/hr", "POSITIONS", "ibc", "monthly", lambda w, d: ibc_hr.positions(w.staff, d)),
    Feed("ibc/hr", "PA0000", "ibc", "daily", lambda w, d: ibc_hr.pa0000(w.staff, d)),
    Feed("ibc/hr", "PA2001", "ibc", "daily", lambda w, d: ibc_hr.pa2001(w.staff, d)),
    Feed("ibc/finance", "CSKS", "ibc", "monthly", lambda w, d: ibc_hr.csks(w.org, w.staff, d)),
]
