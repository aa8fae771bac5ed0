"""Releases: build an immutable copy of the `bi` tables, verify it, switch `current` atomically.

Layout (contracts/publication.md):
    published/current -> releases/<release id>
    published/releases/<release id>/
        insight_hub.duckdb, parquet/<table>.parquet, hyper/<table>.hyper, manifest.json
        transparency/spend_over_500_YYYY-MM.csv (complete months), identity/<model file> (if any)

A release is built in a hidden temp folder and renamed into place only once complete, audited
and verified, so `current` can never point at a partial or unaudited release and readers of an
older release are never disturbed (they hold a different file, and nothing in a release changes
once built: its files are read-only, and verification reads Hyper extracts from copies because
the Hyper engine may rewrite a file it opens).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from ingestion.layout import Layout, Published, Release
from publication.fingerprint import table_fingerprint
from publication.gate import audit
from publication.hyper import count_rows, hyper_process, hyper_select, write_extract
from publication.transparency import TRANSPARENCY_TABLE, write_transparency_files

# BI clients with DuckDB 1.1 or later must be able to open the published file.
STORAGE_VERSION = "v1.1.0"
RELEASE_ID_FORMAT = "%Y%m%dT%H%M%SZ"
MANIFEST_KEYS = {
    "release_id",
    "created_at",
    "run_id",
    "reporting_date",
    "source_files",
    "tables",
    "checks",
    "versions",
    "files",
}


class ReleaseError(RuntimeError):
    """A release failed verification or a requested release does not exist."""


@dataclass(frozen=True)
class ReleaseInputs:
    run_id: str
    source_files: list[dict[str, Any]]  # name, feed, sha256, rows
    # Every check declared on the published assets with its latest evaluation (any run): asset,
    # check, blocking, passed (None: never evaluated), severity, fingerprint, run_id.
    checks: list[dict[str, Any]]
    versions: dict[str, str]
    reporting_date: date | None  # date of the newest FI_ITEMS file loaded
    completeness: dict[str, Any] = field(default_factory=dict)  # what the gate found missing
    data_docs: str | None = None  # the run's Great Expectations Data Docs
    attachments: tuple[Path, ...] = ()  # files copied into identity/ (the identity model)


def releases_dir(published: Path) -> Path:
    return Published(published).releases


def hyper_log_dir(published: Path) -> Path:
    """Hyper's log folder: beside `published/`, i.e. under INSIGHT_HUB_HOME."""
    return Layout(published.parent).hyper_logs


def current_release(published: Path) -> str | None:
    link = Published(published).current
    return Path(os.readlink(link)).name if link.is_symlink() else None


def current_manifest(published: Path) -> dict[str, Any] | None:
    """The manifest of the release `current` points at (the previous release, while building)."""
    path = Release(Published(published).current).manifest
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def list_releases(published: Path) -> list[str]:
    folder = releases_dir(published)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def new_release_id(published: Path) -> str:
    """A UTC timestamp id, one second later than any existing release if the clock collides."""
    existing = set(list_releases(published))
    moment = datetime.now(UTC)
    while (release_id := moment.strftime(RELEASE_ID_FORMAT)) in existing:
        moment = datetime.fromtimestamp(moment.timestamp() + 1, UTC)
    return release_id


def build_release(warehouse: Path, published: Path, inputs: ReleaseInputs, schema: str = "bi") -> Path:
    """Copy every table of `schema` into a new, audited and verified release folder; `current` is untouched.

    The release's own copy of each table is fingerprinted and audited (publication/gate.py) before
    anything else is written: ReleaseRefused when a blocking check did not pass on exactly it. On
    any failure the folder being built is removed.
    """
    release_id = new_release_id(published)
    final = releases_dir(published) / release_id
    staging = releases_dir(published) / f".{release_id}.building"
    shutil.rmtree(staging, ignore_errors=True)
    for folder in (Release(staging).parquet, Release(staging).hyper):
        folder.mkdir(parents=True)
    hyper_feed = staging / ".hyper_feed"
    try:
        described, feeds = _write_duckdb_and_parquet(warehouse, staging, schema, hyper_feed, inputs.checks)
        with hyper_process(hyper_log_dir(published)) as process:
            for table, info in described.items():
                columns = [(c["name"], c["type"]) for c in info["columns"]]
                write_extract(process, Release(staging).hyper / f"{table}.hyper", columns, feeds[table])
        shutil.rmtree(hyper_feed, ignore_errors=True)
        transparency = _write_transparency(staging, schema, described, inputs.reporting_date)
        for attachment in inputs.attachments:
            Release(staging).identity.mkdir(exist_ok=True)
            shutil.copy2(attachment, Release(staging).identity / attachment.name)
        manifest = {
            "release_id": release_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_id": inputs.run_id,
            "reporting_date": inputs.reporting_date.isoformat() if inputs.reporting_date else None,
            "schema": schema,
            "storage_version": STORAGE_VERSION,
            "source_files": inputs.source_files,
            "tables": described,
            "checks": _with_content_flag(inputs.checks, described, schema),
            "completeness": inputs.completeness,
            "transparency_files": transparency,
            "data_docs": inputs.data_docs,
            "versions": inputs.versions,
            "files": _file_digests(staging),
        }
        Release(staging).manifest.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        verify_release(staging, hyper_log_dir(published))
        _make_read_only(staging)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _write_duckdb_and_parquet(
    warehouse: Path, staging: Path, schema: str, hyper_feed: Path, checks: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Copy the tables into the release DuckDB file, audit that copy, then write Parquet.

    Returns each table's description (rows, columns, fingerprint, the blocking checks that passed
    on it) and the Parquet file that feeds its Hyper extract.
    """
    con = _connect(":memory:")
    try:
        con.execute(f"attach '{_sql_path(warehouse)}' as wh (read_only)")
        con.execute(
            f"attach '{_sql_path(Release(staging).database)}' as rel (storage_version '{STORAGE_VERSION}')"
        )
        con.execute(f"create schema rel.{schema}")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'wh' and schema_name = ? "
                "order by table_name",
                [schema],
            ).fetchall()
        ]
        if not tables:
            raise ReleaseError(f"the warehouse has no tables in schema `{schema}` to publish")
        fingerprints = {}
        for table in tables:
            con.execute(f"create table rel.{schema}.{table} as select * from wh.{schema}.{table}")
            fingerprints[table] = table_fingerprint(con, f"rel.{schema}.{table}")
        con.execute("detach wh")
        passed = audit(fingerprints, checks, schema)
        described: dict[str, Any] = {}
        feeds: dict[str, Path] = {}
        for table in tables:
            parquet = Release(staging).parquet / f"{table}.parquet"
            con.execute(
                f"copy rel.{schema}.{table} to '{_sql_path(parquet)}' (format parquet, compression zstd)"
            )
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = 'rel' and schema_name = ? and table_name = ? order by column_index",
                [schema, table],
            ).fetchall()
            rows = con.execute(f"select count(*) from rel.{schema}.{table}").fetchone()[0]
            described[table] = {
                "rows": rows,
                "columns": [{"name": n, "type": t} for n, t in columns],
                "fingerprint": fingerprints[table],
                "checks_passed": passed[table],
            }
            feeds[table] = parquet
            if select := hyper_select(columns):
                hyper_feed.mkdir(exist_ok=True)
                feeds[table] = hyper_feed / f"{table}.parquet"
                con.execute(
                    f"copy (select {select} from rel.{schema}.{table}) to '{_sql_path(feeds[table])}' "
                    "(format parquet)"
                )
    finally:
        con.close()
    return described, feeds


def _with_content_flag(
    checks: list[dict[str, Any]], described: dict[str, Any], schema: str
) -> list[dict[str, Any]]:
    """Each check saying whether its latest evaluation judged the content published (None for a
    check of an asset that is not published, e.g. a raw feed's)."""
    fingerprints = {f"{schema}/{table}": info["fingerprint"] for table, info in described.items()}
    return [
        {
            **check,
            "on_published_content": check.get("fingerprint") == fingerprints[check["asset"]]
            if check["asset"] in fingerprints
            else None,
        }
        for check in checks
    ]


def _write_transparency(
    staging: Path, schema: str, described: dict[str, Any], reporting_date: date | None
) -> list[str]:
    if TRANSPARENCY_TABLE not in described or reporting_date is None:
        return []
    con = _connect(str(Release(staging).database), read_only=True)
    try:
        written = write_transparency_files(
            con, f"{schema}.{TRANSPARENCY_TABLE}", Release(staging).transparency, reporting_date
        )
    finally:
        con.close()
    return [path.name for path in written]


def _file_digests(folder: Path) -> dict[str, dict[str, Any]]:
    """Bytes and sha256 of every file of the release (but the manifest), by relative path."""
    return {
        path.relative_to(folder).as_posix(): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path != Release(folder).manifest
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_release(folder: Path, log_dir: Path) -> dict[str, Any]:
    """Check a release is complete and intact before anyone is pointed at it.

    The manifest has every key of the contract; every table is in DuckDB, Parquet and Hyper with
    the manifest's row count; every file the manifest lists is there with its sha256.
    """
    manifest_path = Release(folder).manifest
    if not manifest_path.exists():
        raise ReleaseError(f"release {folder.name} has no {manifest_path.name}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if missing := MANIFEST_KEYS - set(manifest):
        raise ReleaseError(f"release {folder.name}: manifest lacks {', '.join(sorted(missing))}")
    for relative, described in manifest["files"].items():
        path = folder / relative
        if not path.is_file() or _sha256(path) != described["sha256"]:
            raise ReleaseError(f"release {folder.name}: {relative} is missing or differs from the manifest")
    schema = manifest["schema"]
    counts: dict[str, list[int]] = {}
    con = _connect(str(Release(folder).database), read_only=True)
    try:
        for table in manifest["tables"]:
            parquet = _sql_path(Release(folder).parquet / f"{table}.parquet")
            counts[table] = [
                con.execute(f"select count(*) from {schema}.{table}").fetchone()[0],
                con.execute(f"select count(*) from read_parquet('{parquet}')").fetchone()[0],
            ]
    finally:
        con.close()
    # The Hyper engine may rewrite a file it opens (it did, on one extract of the seed-72 world):
    # count each extract's rows in a private copy, so that verifying never changes a release.
    with (
        hyper_process(log_dir) as process,
        tempfile.TemporaryDirectory(dir=log_dir, prefix=".verify-") as tmp,
    ):
        for table in manifest["tables"]:
            extract = Release(folder).hyper / f"{table}.hyper"
            if not extract.is_file():
                raise ReleaseError(f"release {folder.name}: {table} has no Hyper extract")
            copy = Path(tmp) / extract.name
            shutil.copyfile(extract, copy)
            counts[table].append(count_rows(process, copy))
            copy.unlink()
    for table, (in_duckdb, in_parquet, in_hyper) in counts.items():
        expected = manifest["tables"][table]["rows"]
        if not in_duckdb == in_parquet == in_hyper == expected:
            raise ReleaseError(
                f"release {folder.name}: {table} has {in_duckdb} rows in DuckDB, {in_parquet} in "
                f"Parquet, {in_hyper} in Hyper and {expected} in the manifest"
            )
    return manifest


def _make_read_only(folder: Path) -> None:
    """Every file of a release read-only on disk (folders stay writable, so retention can prune)."""
    read_only = ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(path.stat().st_mode & read_only)


def discard_release(published: Path, release_id: str) -> None:
    """Remove a built release that was never made current (its switch failed); never the current one."""
    if current_release(published) == release_id:
        raise ReleaseError(f"release {release_id} is current: it cannot be discarded")
    shutil.rmtree(releases_dir(published) / release_id, ignore_errors=True)


def switch_current(published: Path, release_id: str) -> None:
    """Point `current` at a verified release by renaming a new symlink over the old one (atomic)."""
    target = releases_dir(published) / release_id
    if not target.is_dir():
        raise ReleaseError(f"no release {release_id} under {releases_dir(published)}")
    verify_release(target, hyper_log_dir(published))
    tmp = published / f".current.{release_id}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Published(published).current_target(release_id))
    os.replace(tmp, Published(published).current)


def prune_releases(published: Path, keep: int = 7) -> list[str]:
    """Delete all but the `keep` newest releases, never the current one; also what a killed publish
    left: release folders being built and temporary `current` links."""
    current = current_release(published)
    for leftover in releases_dir(published).glob(".*.building"):
        shutil.rmtree(leftover, ignore_errors=True)
    for link in published.glob(".current.*"):
        link.unlink(missing_ok=True)
    releases = list_releases(published)
    removed = []
    for release_id in releases[: max(0, len(releases) - keep)]:
        if release_id != current:
            shutil.rmtree(releases_dir(published) / release_id)
            removed.append(release_id)
    return removed


def _connect(database: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection without its progress bar (which would land in the run's logs)."""
    con = duckdb.connect(database, read_only=read_only)
    con.execute("set enable_progress_bar = false")
    return con


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
