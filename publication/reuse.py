"""Publication by difference (issue 17): a release takes the Parquet and Hyper files of its unchanged
tables from the previous release instead of writing them again.

A table's file is reused when the previous release (the one `current` points at when the build
starts) published the same table in the same set with the same fingerprint (publication/
fingerprint.py: rows, columns and types), the same descriptions (the Parquet file carries them as
key-value metadata) and, in the restricted set, the same access settings; when both releases were
written by the same DuckDB and Hyper API versions (which decide the files' bytes); and when the
previous file still has the sha256 its manifest records. A Hyper extract opened read-write by a
Tableau user may have been rewritten (publication/release.py: verify_release): such a file, or any
other changed or missing one, is written afresh, never reused.

The file is hard-linked into the new release (the same bytes under two names; removing the
previous release leaves the new one whole), or copied where a link cannot be made (another file
system, a link limit). Both releases' files are read-only, and each release's verification
compares every file with its own manifest, so a change to a shared file is caught in either.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from ingestion.layout import Published, Release

# What decides a Parquet file's or a Hyper extract's bytes besides the table: the writers' versions.
WRITERS: dict[str, str] = {"duckdb": duckdb.__version__, "tableauhyperapi": version("tableauhyperapi")}
# What of a set's table info must be equal for its files to be reused.
_SAME_TABLE_KEYS = ("fingerprint", "description", "columns")


def set_file(section: dict[str, Any], relative: str) -> str:
    """A set's file (e.g. `parquet/kpi.parquet`) as a path relative to the release root, the key of
    the manifest's `files`."""
    return posixpath.normpath(posixpath.join(section["folder"], relative))


def file_digest(path: Path) -> dict[str, Any]:
    """Bytes and sha256 of a file, as the manifest records them."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


@dataclass(frozen=True)
class PreviousRelease:
    """The release `current` pointed at when the build started, pinned to its folder (`current` may
    be switched meanwhile), and its manifest."""

    folder: Path
    manifest: dict[str, Any]

    @classmethod
    def of(cls, published: Path) -> PreviousRelease | None:
        """The previous release whose files may be reused; None if there is none, its manifest is
        unreadable, or other writer versions made its files."""
        link = Published(published).current
        if not link.is_symlink():
            return None
        folder = link.resolve()
        try:
            manifest = json.loads(Release(folder).manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or (manifest.get("reuse") or {}).get("writers") != WRITERS:
            return None
        return cls(folder, manifest)

    @property
    def release_id(self) -> str:
        return self.folder.name

    def same_table(self, audience: str, section: dict[str, Any], table: str, info: dict[str, Any]) -> bool:
        """Whether the previous release published `table` in this set exactly as it is now."""
        previous = (self.manifest.get("audiences") or {}).get(audience) or {}
        old = (previous.get("tables") or {}).get(table)
        if old is None or previous.get("folder") != section["folder"]:
            return False
        if previous.get("access") != section.get("access"):  # restricted: group and modes
            return False
        return all(old.get(key) == info[key] for key in _SAME_TABLE_KEYS)

    def reuse(self, relative: str, target: Path) -> dict[str, Any] | None:
        """Link (or copy) the previous release's file `relative` to `target` if it still has the
        digest its manifest records: that digest; None (nothing left at `target`) otherwise."""
        recorded = (self.manifest.get("files") or {}).get(relative)
        source = self.folder / relative
        if not recorded or not source.is_file():
            return None
        target.parent.mkdir(exist_ok=True)
        try:
            os.link(source, target)
        except FileNotFoundError:  # pruned meanwhile
            return None
        except OSError:  # another file system, a link limit, links not allowed: copy
            try:
                shutil.copyfile(source, target)
            except OSError:
                target.unlink(missing_ok=True)
                return None
        digest = file_digest(target)  # of the linked bytes: nothing can slip in between
        if digest != {"bytes": recorded.get("bytes"), "sha256": recorded.get("sha256")}:
            target.unlink()
            return None
        return digest
