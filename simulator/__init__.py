"""The council's source systems, simulated: writes the extracts of the sources contract into landing/.

Never imported by the platform, only by the CLI's `simulate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ingestion.layout import Layout
from simulator.defects import AMOUNTS, DEFECT_KINDS, EXPECT, DefectPlan, damage
from simulator.feeds import FEEDS, Feed
from simulator.persons import PeopleRates
from simulator.truth import Truth
from simulator.world import World
from simulator.writers import FileOut, deliver, money, render

__all__ = ["DEFECT_KINDS", "simulate"]
MAX_DELAY = 5  # days a late, re-sent or duplicated file can follow its own date


def simulate(
    home: Path,
    *,
    scale: float = 0.02,
    start: dt.date = dt.date(2025, 4, 1),
    days: int = 90,
    seed: int = 1,
    defects: float = 0.01,
    kinds: dict[str, bool] | None = None,
    people: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Deliver the files dated in [start, start + days) of the world given by (seed, scale).

    `people` overrides rates of PeopleRates (simulator/persons.py), e.g. {"twins": 0} switches
    twins off. Late, re-sent and duplicated files are delivered on their delivery day, by whichever call
    covers it, provided their own date was covered by this or an earlier call on the same home.
    """
    layout = Layout(Path(home))
    say = progress or (lambda _msg: None)
    plan = DefectPlan(seed, defects, kinds)
    rates = PeopleRates.with_overrides(people)
    world = World(seed, scale, plan, vary_people=(kinds or {}).get("person_variation", True), people=rates)
    run = _Delivery(layout.landing, world, plan, Truth(layout.simulator_truth))
    first = np.datetime64(start, "D")
    run.truth.cover(first, first + np.timedelta64(days, "D"))
    say(f"simulating {days} days from {start} (seed {seed}, scale {scale})")
    for i in range(days):
        day = first + np.timedelta64(i, "D")
        run.day(day)
        if i % 30 == 0 or i == days - 1:
            say(f"delivered files up to {day}")
    say("writing simulator truth")
    n_defects = run.truth.save()
    run.truth.save_residents(world.residents)
    return {"files": run.files, "rows": run.rows, "defects": n_defects, "truth_dir": str(run.truth.folder)}


class _Delivery:
    """Delivers one day's files, then whatever earlier files are due that day."""

    def __init__(self, landing: Path, world: World, plan: DefectPlan, truth: Truth) -> None:
        self.landing, self.world, self.plan, self.truth = landing, world, plan, truth
        self.files: dict[str, int] = {}
        self.rows: dict[str, int] = {}

    def day(self, day: np.datetime64) -> None:
        for feed in FEEDS:
            if feed.due(day) and "late_file" not in self._wanted(feed, day):
                f, data, logs = self._build(feed, day)
                self._send(f, f.name, data)
                self.truth.log(logs)
        for lag in range(MAX_DELAY, 0, -1):
            past = day - np.timedelta64(lag, "D")
            if self.truth.covered(past):
                for feed in FEEDS:
                    if feed.due(past):
                        self._redeliver(feed, past, lag, day)

    def _wanted(self, feed: Feed, day: np.datetime64) -> dict[str, int]:
        return self.plan.delivery(feed.prefix, feed.fmt, feed.cadence, day)

    def _build(self, feed: Feed, day: np.datetime64) -> tuple[FileOut, bytes, list[dict]]:
        f = feed.build(self.world, day)
        logs = damage(self.plan, f, feed.prefix, day)
        return f, render(f, _date(day)), logs

    def _send(self, f: FileOut, name: str, data: bytes, count_rows: bool = True) -> None:
        deliver(self.landing, f.feed, name, data)
        self.files[f.feed] = self.files.get(f.feed, 0) + 1
        self.rows[f.feed] = self.rows.get(f.feed, 0) + (f.n_rows if count_rows and not f.empty else 0)
        if not f.empty:
            self.truth.add_persons(f.persons)
        if count_rows:
            self.truth.log(f.events)

    def _redeliver(self, feed: Feed, past: np.datetime64, lag: int, day: np.datetime64) -> None:
        """Late file, corrected re-send, or a duplicate under the next day's name."""
        wanted = self._wanted(feed, past)
        if wanted.get("late_file") == lag:
            f, data, logs = self._build(feed, past)
            self._send(f, f.name, data)
            self.truth.log(logs + [_entry("late_file", f, None)])
        if wanted.get("resent_with_corrections") == lag:
            f = feed.build(self.world, past)
            if f.n_rows:
                _correct(f, self.plan, feed.prefix, past)
                self._send(f, f.name, render(f, _date(past)), count_rows=False)
                self.truth.log([_entry("resent_with_corrections", f, None)])
        if "duplicate_file_new_name" in wanted and lag == 1:
            f, data, _ = self._build(feed, past)
            original = f.name
            f.name = feed.name_for(day)
            self._send(f, f.name, data, count_rows=False)
            self.truth.log([_entry("duplicate_file_new_name", f, original)])


def _entry(kind: str, f: FileOut, record: str | None) -> dict:
    return {
        "kind": kind,
        "feed": f.feed,
        "file": f.name,
        "line": None,
        "record": record,
        "expect": EXPECT[kind],
    }


def _correct(f: FileOut, plan: DefectPlan, prefix: str, day: np.datetime64) -> None:
    """Lower a few amounts, as the IBC does when it re-sends a day with corrections."""
    r = plan.param_rng("correct", prefix, day)
    col = AMOUNTS[prefix]
    pick = r.choice(f.n_rows, size=min(f.n_rows, int(r.integers(1, 4))), replace=False)
    cents = f.cents.copy()
    cents[pick] = np.maximum(np.round(cents[pick] * r.uniform(0.85, 0.97, len(pick))), 1).astype(np.int64)
    values = np.asarray(f.data[col], dtype=object).copy()
    values[pick] = money(cents[pick])
    f.data[col], f.cents = values, cents


def _date(day: np.datetime64) -> dt.date:
    return day.astype("datetime64[D]").astype(dt.date)
