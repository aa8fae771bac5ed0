"""Releases: build an immutable copy of the `bi` tables, verify it, switch `current` atomically.

Layout (contracts/publication.md):
    published/current -> releases/<release id>
    published/releases/<release id>/{insight_hub.duckdb, parquet/<table>.parquet, manifest.json}

A release is built in a hidden temp folder and renamed into place only once complete and
verified, so `current` can never point at a partial release and readers of an older release
are never disturbed (they hold a different file).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

DUCKDB_FILE = "insight_hub.duckdb"
MANIFEST = "manifest.json"
# BI clients with DuckDB 1.1 or later must be able to open the published file.
STORAGE_VERSION = "v1.1.0"
RELEASE_ID_FORMAT = "%Y%m%dT%H%M%SZ"


class ReleaseError(RuntimeError):
    """A release failed verification or a requested release does not exist."""


@dataclass(frozen=True)
class ReleaseInputs:
    run_id: str
    source_files: list[dict[str, Any]]  # name, feed, sha256, rows
    checks: list[dict[str, Any]]  # name, asset, passed, blocking
    versions: dict[str, str]
    reporting_date: str | None


def releases_dir(published: Path) -> Path:
    return published / "releases"


def current_release(published: Path) -> str | None:
    link = published / "current"
    return Path(os.readlink(link)).name if link.is_symlink() else None


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
    """Copy every table of `schema` into a new, verified release folder; `current` is untouched."""
    release_id = new_release_id(published)
    final = releases_dir(published) / release_id
    staging = releases_dir(published) / f".{release_id}.building"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "parquet").mkdir(parents=True)

    con = duckdb.connect()
    try:
        con.execute(f"attach '{_sql_path(warehouse)}' as wh (read_only)")
        con.execute(
            f"attach '{_sql_path(staging / DUCKDB_FILE)}' as rel (storage_version '{STORAGE_VERSION}')"
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
        described: dict[str, Any] = {}
        for table in tables:
            con.execute(f"create table rel.{schema}.{table} as select * from wh.{schema}.{table}")
            con.execute(
                f"copy rel.{schema}.{table} to '{_sql_path(staging / 'parquet' / f'{table}.parquet')}' "
                "(format parquet, compression zstd)"
            )
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = 'rel' and schema_name = ? and table_name = ? order by column_index",
                [schema, table],
            ).fetchall()
            rows = con.execute(f"select count(*) from rel.{schema}.{table}").fetchone()[0]
            described[table] = {"rows": rows, "columns": [{"name": n, "type": t} for n, t in columns]}
    finally:
        con.close()

    manifest = {
        "release_id": release_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": inputs.run_id,
        "reporting_date": inputs.reporting_date,
        "schema": schema,
        "storage_version": STORAGE_VERSION,
        "source_files": inputs.source_files,
        "tables": described,
        "checks": inputs.checks,
        "versions": inputs.versions,
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    verify_release(staging)
    staging.rename(final)
    return final


def verify_release(folder: Path) -> dict[str, Any]:
    """Check a release is complete: every manifest table in DuckDB and Parquet with equal row counts."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise ReleaseError(f"release {folder.name} has no {MANIFEST}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    missing = {"release_id", "created_at", "run_id", "source_files", "tables", "checks", "versions"} - set(
        manifest
    )
    if missing:
        raise ReleaseError(f"release {folder.name}: manifest lacks {', '.join(sorted(missing))}")
    schema = manifest["schema"]
    con = duckdb.connect(str(folder / DUCKDB_FILE), read_only=True)
    try:
        for table, described in manifest["tables"].items():
            in_duckdb = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            parquet = folder / "parquet" / f"{table}.parquet"
            in_parquet = con.execute(f"select count(*) from read_parquet('{_sql_path(parquet)}')").fetchone()[
                0
            ]
            if not in_duckdb == in_parquet == described["rows"]:
                raise ReleaseError(
                    f"release {folder.name}: {table} has {in_duckdb} rows in DuckDB, {in_parquet} in "
                    f"Parquet and {described['rows']} in the manifest"
                )
    finally:
        con.close()
    return manifest


def switch_current(published: Path, release_id: str) -> None:
    """Point `current` at a release by renaming a new symlink over the old one (atomic)."""
    target = releases_dir(published) / release_id
    if not target.is_dir():
        raise ReleaseError(f"no release {release_id} under {releases_dir(published)}")
    verify_release(target)
    tmp = published / f".current.{release_id}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path("releases") / release_id)
    os.replace(tmp, published / "current")


def prune_releases(published: Path, keep: int = 7) -> list[str]:
    """Delete all but the `keep` newest releases, never the current one; also stale temp folders."""
    current = current_release(published)
    for leftover in releases_dir(published).glob(".*.building"):
        shutil.rmtree(leftover, ignore_errors=True)
    removed = []
    for release_id in list_releases(published)[: max(0, len(list_releases(published)) - keep)]:
        if release_id != current:
            shutil.rmtree(releases_dir(published) / release_id)
            removed.append(release_id)
    return removed


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
