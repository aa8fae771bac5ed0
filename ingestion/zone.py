"""The landing zone on disk: which files wait in landing/, and moving each to archive/ or quarantine/.

Every file ends in exactly one place: `archive/<feed path>/` once loaded, or `quarantine/<feed
path>/` untouched with a `<file>.rejection.json` beside it (a loaded file with refused rows or
warnings also gets its report there). When a file name is re-delivered with new bytes, the copies
of earlier versions move to `<archive|quarantine>/<feed path>/superseded/v<version>-<sha256
prefix>/`, so the top level of `archive/<feed path>/` always holds exactly the versions loaded in
the raw tables. File names come only from directory listings; a file is moved, never rewritten.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ingestion.contract import FeedSpec
from ingestion.layout import Layout
from ingestion.register import Version

# Days of the files a run takes: (first, last), either open (None). The nightly run and a backfill
# of daily partitions take one day or a range of days (orchestration/ingestion.py).
DayWindow = tuple[date | None, date | None]
ALL_DAYS: DayWindow = (None, None)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def is_complete(path: Path) -> bool:
    """A delivered file: not a directory, not a `*.part` still being written, not a hidden file."""
    name = path.name
    return not name.endswith(".part") and not name.startswith(".") and (path.is_symlink() or path.is_file())


def landing_files(home: Path, feed_path: str) -> list[Path]:
    """Complete files of one landing folder, in order of arrival (then name).

    A feed folder that is a link out of the landing zone is never read: its files would be moved.
    (landing/ itself may be a link, to a mounted share say; the folders in it may not lead out.)
    """
    landing = Layout(home).landing
    folder = landing / feed_path
    if not folder.is_dir():
        return []
    if not folder.resolve().is_relative_to(landing.resolve()):
        raise RuntimeError(
            f"{folder.relative_to(home)} leads outside the landing zone (a link): its files are not read"
        )
    files = [p for p in folder.iterdir() if is_complete(p)]
    return sorted(files, key=lambda p: (p.lstat().st_mtime_ns, p.name))


def in_window(day: date, window: DayWindow) -> bool:
    first, last = window
    return (first is None or first <= day) and (last is None or day <= last)


def pending_files(home: Path, spec: FeedSpec, window: DayWindow = ALL_DAYS) -> list[Path]:
    """The feed's files in landing dated within `window`, in order of arrival, so that a late file
    is seen to be late.

    Files written within one tick of the file system's clock share a modification time; among
    those the later-dated file is taken to have come first: of two files of a feed delivered
    together, the older-dated one is the late one.
    """
    files = [
        p
        for p in landing_files(home, spec.feed_path)
        if not p.is_symlink() and (day := spec.file_date(p.name)) and in_window(day, window)
    ]
    return sorted(files, key=lambda p: (p.lstat().st_mtime_ns, -spec.file_date(p.name).toordinal(), p.name))


def archived_files(home: Path, spec: FeedSpec) -> list[Path]:
    """The feed's copies at the top of archive/<feed path>/: the versions its raw table holds (earlier
    versions are under superseded/, reports in quarantine/)."""
    folder = Layout(home).archive / spec.feed_path
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_complete(p) and spec.file_date(p.name))


def folder_specs(spec: FeedSpec) -> list[FeedSpec]:
    """Every registered feed sharing this spec's landing folder (the spec alone if unregistered)."""
    from ingestion import FEEDS

    return [s for s in FEEDS if s.feed_path == spec.feed_path] or [spec]


def is_stranger(path: Path, specs: Sequence[FeedSpec]) -> bool:
    """A link, or a file whose name matches none of the folder's feeds."""
    return path.is_symlink() or not any(s.file_date(path.name) for s in specs)


def unknown_files(home: Path, feed_path: str, specs: list[FeedSpec]) -> list[Path]:
    """Files in a feed folder whose name matches none of its feeds (or that are links)."""
    return [p for p in landing_files(home, feed_path) if is_stranger(p, specs)]


def move(path: Path, folder: Path) -> Path:
    """Move a landing file, untouched, into its final folder (replacing an older copy); returns where."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.move(str(path), target)
    return target


def version_folder(version: int, sha256: str) -> str:
    """`v<version>-<sha256 prefix>`: the folder under superseded/ of an earlier version's copy."""
    return f"v{version}-{sha256[:12]}"


def report_name(file_name: str) -> str:
    """`<file>.rejection.json`, shortened (with a digest of the name) where the file system's 255-byte
    limit on names would refuse it: a long landing file name must not make its report unwritable."""
    name = f"{file_name}.rejection.json"
    if len(f"{name}.part".encode()) <= 255:
        return name
    digest = hashlib.sha256(file_name.encode()).hexdigest()[:12]
    return f"{file_name.encode()[:200].decode(errors='ignore')}~{digest}.rejection.json"


def report_path(
    layout: Layout, feed_path: str, file_name: str, version: int, sha256: str, latest: bool
) -> Path:
    """Where a version's report belongs: the top of quarantine/<feed path>/ for the newest copy of its
    name, superseded/ for an earlier version judged again by a rebuild."""
    top = layout.quarantine / feed_path
    if not latest:
        return Layout.superseded(top, version_folder(version, sha256)) / report_name(file_name)
    return top / report_name(file_name)


def supersede(area: Path, feed_path: str, file_name: str, sha256: str, history: list[Version]) -> None:
    """Move the copy and report of earlier versions of a name out of the top level, into superseded/.

    Judged by content, not by which version the register says came last: after a crash the top
    level may still hold an earlier version's copy that the crashed run had not set aside, or this
    very version's report, written before the crash (it is rewritten). A report of bytes the register
    never took (their run crashed before its commit) is stale and goes; a file is never deleted.
    """
    top = area / feed_path
    (top / f"{report_name(file_name)}.part").unlink(missing_ok=True)
    for name in (file_name, report_name(file_name)):
        path = top / name
        if not path.is_file():
            continue
        sha = sha256_of(path) if name == file_name else _report_sha256(path)
        if sha == sha256:
            continue
        version = next((v.version for v in history if v.sha256 == sha), None)
        if version is None and name != file_name:
            path.unlink()
            continue
        folder = version_folder(version, sha) if version is not None else f"unregistered-{sha[:12]}"
        move(path, Layout.superseded(top, folder))


def _report_sha256(path: Path) -> str | None:
    """The sha256 of the file version a report is about (None if it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("sha256")
    except (ValueError, OSError):
        return None


def clear_scratch(layout: Layout) -> Path:
    """The scratch folder, without the decoded copies a crashed run left (one writer at a time)."""
    work_dir = layout.tmp
    work_dir.mkdir(parents=True, exist_ok=True)
    for stale in layout.decoded_copies():
        stale.unlink()
    return work_dir
