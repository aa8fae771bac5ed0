"""Rebuild from archive/: delivered files the register does not know are judged again, in their order.

Every file ever delivered is kept untouched: the version whose rows are in raw at the top of
`archive/<feed path>/`, earlier loaded versions under `archive/<feed path>/superseded/v<N>-<sha>/`,
refused ones in `quarantine/<feed path>/` (and its `superseded/`). In normal running every one of
those copies has its row in `ops.file_register`, written in the same transaction as its rows. A
copy without one (no register row with its name and size) means the warehouse lost it:
warehouse.duckdb was deleted, or restored from a backup older than the file, or a rebuild was cut
short. (A lost version of exactly the size of a known version of the same name goes unnoticed: delete
warehouse.duckdb to rebuild everything.) Ingestion then judges those copies again
before anything new in landing, in the order they were first delivered, where they lie (nothing
moves), so the register, the raw tables and the reports come out as they were.

Delivery order is the files' modification time (kept through every move: a move is a rename);
copies of one name are put in version order (their superseded/v<N> folder, then the top level,
where a refused copy in quarantine/ is newer than the loaded one in archive/). A batch ends before
a name repeats, as two versions of one name were necessarily delivered in two runs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion import register
from ingestion.layout import Layout

VERSION_FOLDER = re.compile(r"^v(\d+)-[0-9a-f]{12}$")
REPORT_SUFFIX = ".rejection.json"


@dataclass(frozen=True)
class ArchivedCopy:
    path: Path
    latest: bool  # the newest copy of its name (its report sits at the top of quarantine/)


def _rank(home: Path, path: Path) -> tuple[float, int]:
    """Version order of a copy among the copies of its name."""
    if m := VERSION_FOLDER.match(path.parent.name):
        return (int(m.group(1)), 0)
    return (float("inf"), 1 if path.is_relative_to(Layout(home).quarantine) else 0)


def _copies(home: Path, feed_path: str, accept: Callable[[Path], object]) -> list[Path]:
    """Every delivered file (or link) of the folder, not reports, temp or hidden files, that `accept`s."""
    found = []
    layout = Layout(home)
    for area in (layout.archive, layout.quarantine):
        for path in (area / feed_path).rglob("*"):
            name = path.name
            if (
                (path.is_symlink() or path.is_file())
                and not name.startswith(".")
                and not name.endswith((REPORT_SUFFIX, ".part"))
                and accept(path)
            ):
                found.append(path)
    return found


def _size(path: Path) -> int | None:
    return None if path.is_symlink() else path.lstat().st_size  # a link is never opened


def unregistered_copies(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    feed_path: str,
    accept: Callable[[Path], object],
) -> list[ArchivedCopy]:
    """The folder's copies the register does not know, in delivery order (see the module docstring)."""
    copies = _copies(home, feed_path, accept)
    if not copies:
        return []
    # Known by name and size: hashing the whole archive on every run would cost a full read of it.
    known = register.known_copies(con, feed_path)

    by_arrival = sorted(copies, key=lambda p: (p.lstat().st_mtime_ns, p.name))
    by_version: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(copies, key=lambda p: _rank(home, p)):
        by_version[path.name].append(path)
    # Each name keeps the places its copies hold in arrival order, filled in version order.
    taken: Counter[str] = Counter()
    ordered = []
    for path in by_arrival:
        ordered.append(by_version[path.name][taken[path.name]])
        taken[path.name] += 1
    return [
        ArchivedCopy(path, latest=path == by_version[path.name][-1])
        for path in ordered
        if (path.name, _size(path)) not in known
    ]


def batches(copies: list[ArchivedCopy]) -> list[list[ArchivedCopy]]:
    """Consecutive runs of copies in which no name repeats."""
    out: list[list[ArchivedCopy]] = [[]]
    for copy in copies:
        if any(c.path.name == copy.path.name for c in out[-1]):
            out.append([])
        out[-1].append(copy)
    return [batch for batch in out if batch]
