"""Releases: build an immutable copy of the `bi` tables, verify it, switch `current` atomically.

Layout (contracts/publication.md, Audiences; docs/publication.md):
    published/current -> releases/<release id>
    published/releases/<release id>/            the internal set: open and internal tables
        insight_hub.duckdb, parquet/<table>.parquet, hyper/<table>.hyper, manifest.json (every set's
        section), identity/<model file> (if any), pack/ (the KPI pack: index.html, a page per domain)
        open/                                   the open set: the same formats, its manifest.json,
            transparency/spend_over_500_YYYY-MM.csv (ended months), payments_compliance_notice_*.csv,
                contracts_over_5000_YYYY-QN.csv (docs/statutory.md)
        restricted/                             person-level tables, DuckDB (Parquet, Hyper if
                                                configured), owner (and group) only

A release is built in a hidden temp folder and renamed into place only once complete, audited
and verified, so `current` can never point at a partial or unaudited release and readers of an
older release are never disturbed (they hold a different file, and nothing in a release changes
once built: its files are read-only, and verification reads Hyper extracts from copies because
the Hyper engine may rewrite a file it opens).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from ingestion.layout import SHARED_FILE, SHARED_FOLDER, Published, Release, sql_path
from publication.audiences import AUDIENCES, FORMATS, AudiencePlan, RestrictedAccess, set_problems
from publication.descriptions import TableDocs
from publication.fingerprint import table_fingerprint
from publication.gate import ReleaseRefused, audit
from publication.hyper import count_rows, hyper_process, hyper_select, write_extract
from publication.pack import PackInputs, build_pack
from publication.restatements import per_table
from publication.reuse import WRITERS, PreviousRelease, file_digest, set_file
from publication.transparency import write_all_transparency_files

# BI clients with DuckDB 1.1 or later must be able to open the published file.
STORAGE_VERSION = "v1.1.0"
RELEASE_ID_FORMAT = "%Y%m%dT%H%M%SZ"
RESTATEMENTS = "restatements"  # the published table the manifest summarises (dbt marts/quality)
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
    "audiences",
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
    # First days of the months ended by the reporting date (dbt int_reporting_months.has_ended,
    # the definition is_complete uses): the months that get a transparency file.
    ended_months: tuple[date, ...]
    audiences: AudiencePlan  # where each table goes (dbt meta.audience)
    completeness: dict[str, Any] = field(default_factory=dict)  # what the gate found missing
    data_docs: str | None = None  # the run's Great Expectations Data Docs
    attachments: tuple[Path, ...] = ()  # files copied into identity/ (the identity model)
    restricted: RestrictedAccess = field(default_factory=RestrictedAccess)  # who reads restricted/


def releases_dir(published: Path) -> Path:
    return Published(published).releases


def hyper_log_dir(published: Path) -> Path:
    """Hyper's log folder: beside `published/`, i.e. under INSIGHT_HUB_HOME."""
    return Published(published).layout.hyper_logs


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
    """Copy every table of `schema` into a new, audited and verified release folder, one set per
    audience (publication/audiences.py); `current` is untouched.

    Each set's own copy of each table is fingerprinted and audited (publication/gate.py), and each
    set judged fit for its audience (no person key outside restricted; the open set holds only
    open tables and no count of people from 1 to 7), before any Parquet or Hyper file is written:
    ReleaseRefused otherwise. On any failure the folder being built is removed.

    Tables unchanged since the previous release (the one `current` points at) take its Parquet and
    Hyper files instead of writing them again (publication/reuse.py); the manifest's `reuse` says
    which.
    """
    gid = inputs.restricted.gid()  # a group that cannot be honoured stops the build before it starts
    previous = PreviousRelease.of(published)
    release_id = new_release_id(published)
    final = releases_dir(published) / release_id
    staging = Published(published).building(release_id)
    shutil.rmtree(staging, ignore_errors=True)
    sets = {audience: Release(staging).audience(audience) for audience in AUDIENCES}
    staging.mkdir(parents=True)
    Published(published).share()  # made under the data root's private umask: opened to BI readers
    sets["open"].folder.mkdir()
    # The restricted folder is closed before anything is written into it.
    _restrict_folder(sets["restricted"].folder, inputs.restricted, gid)
    try:
        described = _write_duckdb_sets(warehouse, sets, schema, inputs, current_release(published))
        reused: dict[str, dict[str, list[str]]] = {}
        known: dict[str, dict[str, Any]] = {}  # digests of the reused files, taken as they were linked
        with hyper_process(hyper_log_dir(published)) as process:
            for audience, section in described.items():
                reused[audience] = _write_parquet_and_hyper(
                    sets[audience], audience, schema, section, process, previous, known
                )
        for audience, section in described.items():
            _write_dictionary(sets[audience], section, inputs.audiences)
        open_set = sets["open"]
        transparency = _write_transparency(open_set, schema, described["open"]["tables"], inputs.ended_months)
        for attachment in inputs.attachments:
            Release(staging).identity.mkdir(exist_ok=True)
            shutil.copy2(attachment, Release(staging).identity / attachment.name)
        _restrict(sets["restricted"].folder, inputs.restricted, gid)
        tables = {
            table: {**info, "audience": inputs.audiences.audiences[table]}
            for audience, section in described.items()
            for table, info in section["tables"].items()
            if inputs.audiences.audiences[table] == audience  # each table once, from its home set
        }
        checks = _with_content_flag(inputs.checks, tables, schema)
        # The pack reads the sets as audited and is written before the digests: verified like the rest.
        build_pack(
            Release(staging),
            PackInputs(release_id, inputs.reporting_date, checks, inputs.completeness, inputs.source_files),
            schema,
        )
        digests = _file_digests(staging, known)
        manifest = {
            "release_id": release_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_id": inputs.run_id,
            "reporting_date": inputs.reporting_date.isoformat() if inputs.reporting_date else None,
            "schema": schema,
            "storage_version": STORAGE_VERSION,
            "source_files": inputs.source_files,
            "tables": tables,
            "checks": checks,
            "completeness": inputs.completeness,
            "transparency_files": transparency,
            "restatements": _restatements(sets["internal"], schema, described["internal"]["tables"]),
            "data_docs": inputs.data_docs,
            "versions": inputs.versions,
            "reuse": {
                "from": previous.release_id if previous else None,
                "writers": WRITERS,
                "tables": {audience: tables for audience, tables in reused.items() if tables},
            },
        }
        for audience in ("open", "restricted"):  # each a set complete in itself, manifest included
            section = {**described[audience], "files": _files_of(digests, sets[audience], staging)}
            path = sets[audience].manifest
            path.write_text(
                json.dumps(_audience_manifest(manifest, audience, section), indent=2, default=str),
                encoding="utf-8",
            )
            if audience == "restricted":
                _restrict(path.parent, inputs.restricted, gid)
            digests[path.relative_to(staging).as_posix()] = file_digest(path)
        manifest["audiences"] = {
            audience: {**described[audience], "files": _files_of(digests, sets[audience], staging)}
            for audience in AUDIENCES
        }
        manifest["files"] = digests
        Release(staging).manifest.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        verify_release(staging, hyper_log_dir(published))
        _make_read_only(staging)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _write_duckdb_sets(
    warehouse: Path, sets: dict[str, Release], schema: str, inputs: ReleaseInputs, previous_id: str | None
) -> dict[str, dict[str, Any]]:
    """Copy each audience's tables into its set's DuckDB file, fingerprint and audit every copy,
    and judge each set fit for its audience; refuse (ReleaseRefused) unless all of it holds.
    `previous_id` is the release `current` points at, which bi.restatements must compare with.

    Returns each audience's section of the manifest: folder, formats and, per table, rows,
    columns, fingerprint and the blocking checks that passed on it.
    """
    con = _connect(":memory:")
    try:
        con.execute(f"attach '{sql_path(warehouse)}' as wh (read_only)")
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
        members = {audience: inputs.audiences.tables_of(audience, tables) for audience in AUDIENCES}
        fingerprints: dict[str, dict[str, str]] = {}
        problems = [
            f"{schema}/{table}: no audience declared (meta.audience on its dbt model), so in no set"
            for table in inputs.audiences.undeclared(tables)
        ]
        for audience, release in sets.items():
            database = _database_alias(audience)
            con.execute(
                f"attach '{sql_path(release.database)}' as {database} (storage_version '{STORAGE_VERSION}')"
            )
            con.execute(f"create schema {database}.{schema}")
            fingerprints[audience] = {}
            for table in members[audience]:
                con.execute(f"create table {database}.{schema}.{table} as select * from wh.{schema}.{table}")
                _describe(con, f"{database}.{schema}.{table}", inputs.audiences.docs.get(table))
                fingerprints[audience][table] = table_fingerprint(con, f"{database}.{schema}.{table}")
            problems += set_problems(con, database, schema, audience, inputs.audiences)
            problems += undescribed(con, database, schema, inputs.audiences.docs)
            problems += stale_restatements(con, database, schema, previous_id)
        con.execute("detach wh")
        passed: dict[str, dict[str, list[str]]] = {}
        for audience in AUDIENCES:
            try:
                passed[audience] = audit(fingerprints[audience], inputs.checks, schema)
            except ReleaseRefused as refused:
                problems += refused.problems
        if problems:  # every reason at once (an open table's copies are judged alike: said once)
            raise ReleaseRefused(list(dict.fromkeys(problems)))
        described: dict[str, dict[str, Any]] = {}
        for audience, release in sets.items():
            database = _database_alias(audience)
            section: dict[str, Any] = {
                "folder": release.folder.relative_to(sets["internal"].folder).as_posix(),
                "formats": list(inputs.restricted.formats if audience == "restricted" else FORMATS),
                "tables": {},
            }
            if audience == "restricted":
                access = inputs.restricted
                section["access"] = {
                    "group": access.group,
                    "folder_mode": oct(access.folder_mode),
                    "file_mode": oct(access.file_mode),
                }
            if audience == "open":
                section["disclosure_check"] = {
                    "passed": True,
                    "people_count_columns": sum(
                        kind == "people"
                        for table in members["open"]
                        for kind in inputs.audiences.counts.get(table, {}).values()
                    ),
                }
            for table in members[audience]:
                description, columns = _descriptions(con, database, schema, table)
                rows = con.execute(f"select count(*) from {database}.{schema}.{table}").fetchone()[0]
                section["tables"][table] = {
                    "rows": rows,
                    "description": description,
                    "columns": [{"name": n, "type": t, "description": d} for n, t, d in columns],
                    "fingerprint": fingerprints[audience][table],
                    "checks_passed": passed[audience][table],
                }
            described[audience] = section
    finally:
        con.close()
    return described


def _descriptions(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str
) -> tuple[str | None, list[tuple[str, str, str | None]]]:
    """A copied table's description and its columns (name, type, description): its comments."""
    (description,) = con.execute(
        "select comment from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [database, schema, table],
    ).fetchone()
    columns = con.execute(
        "select column_name, data_type, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()
    return description, columns


def _describe(con: duckdb.DuckDBPyConnection, relation: str, docs: TableDocs | None) -> None:
    """The dbt docs' descriptions of a table and its columns as comments on its copy (COMMENT ON), so
    an analyst reads them in `duckdb_tables()` and `duckdb_columns()` of the published file."""
    if docs is None:
        return
    if docs.description:
        con.execute(f"comment on table {relation} is {_literal(docs.description)}")
    names = {r[0] for r in con.execute(f"select * from {relation} limit 0").description}
    for column, description in docs.columns.items():
        if description and column in names:
            con.execute(f'comment on column {relation}."{column}" is {_literal(description)}')


RESTATEMENTS_TABLE = "restatements"


def stale_restatements(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, previous_id: str | None
) -> list[str]:
    """A release's bi.restatements must compare its tables with the release `current` points at:
    one computed against an older release (the restatements step did not run since `current`
    was published, e.g. a Materialize of the release alone) would tell readers of changes that are
    not this release's. An empty table cannot say what it compared with and passes."""
    has_column = con.execute(
        "select count(*) from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? and column_name = 'previous_release_id'",
        [database, schema, RESTATEMENTS_TABLE],
    ).fetchone()[0]
    if not has_column:
        return []
    compared = [
        row[0]
        for row in con.execute(
            f"select distinct previous_release_id from {database}.{schema}.{RESTATEMENTS_TABLE} "
            "where previous_release_id is distinct from ? order by all",
            [previous_id],
        ).fetchall()
    ]
    if not compared:
        return []
    return [
        f"{schema}/{RESTATEMENTS_TABLE}: compares with release(s) {', '.join(map(str, compared))}, but "
        f"`current` is {previous_id or 'no release'}: these restatements are not this release's. Run "
        "`insight-hub publish`, which recomputes them against `current` and publishes."
    ]


def undescribed(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, docs: Mapping[str, TableDocs]
) -> list[str]:
    """The published tables and columns of a set with no description in the dbt docs (the
    publication contract: a published column without a description fails the gate)."""
    problems = []
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = ? and schema_name = ? "
        "order by table_name, column_index",
        [database, schema],
    ).fetchall():
        table_docs = docs.get(table)
        if table_docs is None or not table_docs.description.strip():
            problems.append(f"{schema}/{table}: no description in the dbt docs (its model's YAML)")
        elif not table_docs.columns.get(column, "").strip():
            problems.append(f"{schema}/{table}.{column}: no description in the dbt docs (its model's YAML)")
    return list(dict.fromkeys(problems))


def _literal(text: str) -> str:
    """`text` as a SQL string literal (COMMENT ON and COPY options take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _parquet_metadata(info: dict[str, Any]) -> str:
    """The Parquet file's key-value metadata: the table's description and, as JSON, its columns'."""
    columns = {c["name"]: c["description"] for c in info["columns"] if c.get("description")}
    return (
        f"kv_metadata {{description: {_literal(info.get('description') or '')}, "
        f"column_descriptions: {_literal(json.dumps(columns, ensure_ascii=False))}}}"
    )


DICTIONARY_COLUMNS = (
    "table",
    "table_description",
    "column",
    "type",
    "description",
    "unit",
    "kpi_definition",
    "kpi_numerator",
    "kpi_denominator",
    "kpi_null_rule",
    "kpi_source_feeds",
    "kpi_owner",
    "audience",
)


def _write_dictionary(release: Release, section: dict[str, Any], plan: AudiencePlan) -> None:
    """The set's dictionary.csv (publication contract, Descriptions travel with the data): a row per
    column of each table, with the table's audience, the descriptions of the dbt docs and, for a KPI
    column, the KPI dictionary's unit, definition (its description: stated once), numerator,
    denominator, NULL rule, source feeds (the raw tables dbt's lineage reads) and owner."""
    with release.dictionary.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(DICTIONARY_COLUMNS)
        for table, info in section["tables"].items():
            docs = plan.docs.get(table, TableDocs())
            for column in info["columns"]:
                name, description = column["name"], column["description"] or ""
                kpi = docs.kpi(name)
                writer.writerow(
                    [
                        table,
                        info["description"] or "",
                        name,
                        column["type"],
                        description,
                        docs.unit(name),
                        description if kpi else "",
                        kpi.get("numerator", ""),
                        kpi.get("denominator", ""),
                        kpi.get("null_rule", ""),
                        kpi.get("source_feeds", ""),
                        kpi.get("owner", ""),
                        plan.audiences[table],
                    ]
                )


def _restatements(release: Release, schema: str, tables: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's summary of the release's `restatements` table: restated KPI cells of closed
    months, in all and per KPI table (docs/publication.md, Restatements)."""
    if RESTATEMENTS not in tables:
        return {"cells": 0, "by_table": {}}
    con = _connect(str(release.database), read_only=True)
    try:
        by_table = per_table(con, f"{schema}.{RESTATEMENTS}")
    finally:
        con.close()
    return {"cells": sum(by_table.values()), "by_table": by_table}


def _database_alias(audience: str) -> str:
    return f"rel_{audience}"


def _write_parquet_and_hyper(
    release: Release,
    audience: str,
    schema: str,
    section: dict[str, Any],
    process: Any,
    previous: PreviousRelease | None,
    known: dict[str, dict[str, Any]],
) -> dict[str, list[str]]:
    """The set's Parquet files and Hyper extracts, from its own DuckDB file, in the formats it has;
    a table unchanged since `previous` takes that release's files where they are intact.

    Hyper reads a Parquet file; where the set has no Parquet format (or a column needs a cast),
    the file Hyper reads is a temporary one inside the set's folder (so a restricted table never
    leaves the restricted folder), removed once the extract is written. Returns the formats
    reused per table; adds the reused files' digests to `known` (by path from the release root).
    """
    formats = section["formats"]
    reused: dict[str, list[str]] = {}
    if "parquet" not in formats and "hyper" not in formats:
        return reused
    feed_dir = release.hyper_feed
    con = _connect(str(release.database), read_only=True)
    try:
        for table, info in section["tables"].items():
            take = previous if previous and previous.same_table(audience, section, table, info) else None
            columns = [(c["name"], c["type"]) for c in info["columns"]]
            parquet = release.parquet / f"{table}.parquet"
            if "parquet" in formats:
                if _take(take, section, f"parquet/{table}.parquet", parquet, known):
                    reused.setdefault(table, []).append("parquet")
                else:
                    release.parquet.mkdir(exist_ok=True)
                    con.execute(
                        f"copy {schema}.{table} to '{sql_path(parquet)}' "
                        f"(format parquet, compression zstd, {_parquet_metadata(info)})"
                    )
            if "hyper" not in formats:
                continue
            if _take(take, section, f"hyper/{table}.hyper", release.hyper / f"{table}.hyper", known):
                reused.setdefault(table, []).append("hyper")
                continue
            select = hyper_select(columns)
            feed = parquet
            if select or "parquet" not in formats:
                feed_dir.mkdir(exist_ok=True)
                feed = feed_dir / f"{table}.parquet"
                con.execute(
                    f"copy (select {select or '*'} from {schema}.{table}) "
                    f"to '{sql_path(feed)}' (format parquet)"
                )
            release.hyper.mkdir(exist_ok=True)
            descriptions = {c["name"]: c["description"] for c in info["columns"] if c.get("description")}
            write_extract(process, release.hyper / f"{table}.hyper", columns, feed, descriptions)
    finally:
        con.close()
        shutil.rmtree(feed_dir, ignore_errors=True)
    return reused


def _take(
    previous: PreviousRelease | None,
    section: dict[str, Any],
    relative: str,
    target: Path,
    known: dict[str, dict[str, Any]],
) -> bool:
    """Whether `target` (the set's file `relative`) was taken from `previous` (None: the table
    changed, or there is nothing to take from); its digest then goes into `known`."""
    if previous is None:
        return False
    digest = previous.reuse(set_file(section, relative), target)
    if digest is not None:
        known[set_file(section, relative)] = digest
    return digest is not None


def _audience_manifest(manifest: dict[str, Any], audience: str, section: dict[str, Any]) -> dict[str, Any]:
    """The manifest of one audience's set: what the release says, about that set's tables only."""
    assets = {f"{manifest['schema']}/{table}" for table in section["tables"]}
    return {
        **{k: manifest[k] for k in ("release_id", "created_at", "run_id", "reporting_date", "schema")},
        "audience": audience,
        "storage_version": manifest["storage_version"],
        "source_files": manifest["source_files"],
        **section,
        "checks": [c for c in manifest["checks"] if c["asset"] in assets],
        "transparency_files": manifest["transparency_files"] if audience == "open" else [],
        "versions": manifest["versions"],
    }


def _restrict_folder(folder: Path, access: RestrictedAccess, gid: int | None) -> None:
    folder.mkdir(mode=access.folder_mode)
    _restrict(folder, access, gid)


def _restrict(folder: Path, access: RestrictedAccess, gid: int | None) -> None:
    """The restricted set's folders and files open to the owner (and the configured group) only;
    files read-only as every release file."""
    for path in [folder, *folder.rglob("*")]:
        if gid is not None:
            os.chown(path, -1, gid)
        path.chmod(access.folder_mode if path.is_dir() else access.file_mode)


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
    release: Release, schema: str, tables: dict[str, Any], ended_months: tuple[date, ...]
) -> list[str]:
    """The transparency and statutory files (publication/transparency.py) of the open set's tables,
    in the open set (from its own DuckDB file)."""
    if not tables or not ended_months:
        return []
    con = _connect(str(release.database), read_only=True)
    try:
        written = write_all_transparency_files(con, schema, list(tables), release.transparency, ended_months)
    finally:
        con.close()
    return [path.name for path in written]


def _file_digests(folder: Path, known: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Bytes and sha256 of every file of the release (but the manifest), by relative path; those
    in `known` (reused files, hashed as they were linked) are not read again."""
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path != Release(folder).manifest:
            relative = path.relative_to(folder).as_posix()
            digests[relative] = known.get(relative) or file_digest(path)
    return digests


def _files_of(digests: dict[str, dict[str, Any]], release: Release, root: Path) -> dict[str, dict[str, Any]]:
    """The digests of one set's files (but its manifest), by path relative to the set's folder;
    the internal set is the release root without the other sets' folders."""
    others = [
        Release(root).audience(a).folder.relative_to(root).as_posix()
        for a in AUDIENCES
        if Release(root).audience(a).folder not in (release.folder, root)
    ]
    prefix = release.folder.relative_to(root).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    return {
        path[len(prefix) :]: digest
        for path, digest in digests.items()
        if path.startswith(prefix)
        and path[len(prefix) :] != release.manifest.name
        and not any(path.startswith(other + "/") for other in others)
    }


def verify_release(folder: Path, log_dir: Path) -> dict[str, Any]:
    """Check a release is complete and intact before anyone is pointed at it.

    The manifest has every key of the contract; every file the manifest lists is there with its
    sha256; every audience's set holds its tables in each of its formats with the manifest's row
    count; nothing of the restricted set is open to other users.
    """
    manifest_path = Release(folder).manifest
    if not manifest_path.exists():
        raise ReleaseError(f"release {folder.name} has no {manifest_path.name}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if missing := MANIFEST_KEYS - set(manifest):
        raise ReleaseError(f"release {folder.name}: manifest lacks {', '.join(sorted(missing))}")
    for relative, described in manifest["files"].items():
        path = folder / relative
        if not path.is_file() or file_digest(path)["sha256"] != described["sha256"]:
            raise ReleaseError(f"release {folder.name}: {relative} is missing or differs from the manifest")
    if set(manifest["audiences"]) != set(AUDIENCES):
        raise ReleaseError(f"release {folder.name}: manifest has sets {sorted(manifest['audiences'])}")
    restricted = Release(folder).restricted.folder
    if opened := [p for p in [restricted, *restricted.rglob("*")] if p.stat().st_mode & 0o007]:
        raise ReleaseError(
            f"release {folder.name}: {len(opened)} restricted path(s) are open to other users, "
            f"e.g. {opened[0].relative_to(folder)}"
        )
    schema = manifest["schema"]
    counts: dict[tuple[str, str], list[int]] = {}
    for audience, section in manifest["audiences"].items():
        release = Release(folder).audience(audience)
        con = _connect(str(release.database), read_only=True)
        try:
            for table in section["tables"]:
                counts[audience, table] = [
                    con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
                ]
                if "parquet" in section["formats"]:
                    parquet = sql_path(release.parquet / f"{table}.parquet")
                    counts[audience, table].append(
                        con.execute(f"select count(*) from read_parquet('{parquet}')").fetchone()[0]
                    )
        finally:
            con.close()
    # The Hyper engine may rewrite a file it opens (it did, on one extract of the seed-72 world):
    # count each extract's rows in a private copy, so that verifying never changes a release.
    with (
        hyper_process(log_dir) as process,
        tempfile.TemporaryDirectory(dir=log_dir, prefix=".verify-") as tmp,
    ):
        for audience, section in manifest["audiences"].items():
            if "hyper" not in section["formats"]:
                continue
            for table in section["tables"]:
                extract = Release(folder).audience(audience).hyper / f"{table}.hyper"
                if not extract.is_file():
                    raise ReleaseError(f"release {folder.name}: {audience}/{table} has no Hyper extract")
                copy = Path(tmp) / extract.name
                shutil.copyfile(extract, copy)
                counts[audience, table].append(count_rows(process, copy))
                copy.unlink()
    for (audience, table), found in counts.items():
        expected = manifest["tables"][table]["rows"]
        if set(found) != {expected} or manifest["audiences"][audience]["tables"][table]["rows"] != expected:
            formats = manifest["audiences"][audience]["formats"]
            said = ", ".join(f"{n} in {f}" for n, f in zip(found, formats, strict=True))
            raise ReleaseError(
                f"release {folder.name}: {table} ({audience} set) has {said} and {expected} in the manifest"
            )
    return manifest


def _make_read_only(folder: Path) -> None:
    """Every file of a release read-only on disk. The internal and open sets are opened to BI readers
    (folders 0755, files 0444: written under the data root's private umask, ingestion/layout.py);
    the restricted set keeps its owner-or-group-only modes. Folders stay writable by the owner, so
    retention can prune."""
    read_only = ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    restricted = Release(folder).restricted.folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        if path == restricted or restricted in path.parents:
            if path.is_file():
                path.chmod(path.stat().st_mode & read_only)
        else:
            path.chmod(SHARED_FOLDER if path.is_dir() else SHARED_FILE)


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
    tmp = Published(published).current_candidate(release_id, os.getpid())
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Published(published).current_target(release_id))
    os.replace(tmp, Published(published).current)


def prune_releases(published: Path, keep: int = 7) -> list[str]:
    """Delete all but the `keep` newest releases, never the current one; also what a killed publish
    left: release folders being built and temporary `current` links."""
    current = current_release(published)
    for leftover in Published(published).leftovers():
        if leftover.is_symlink():
            leftover.unlink(missing_ok=True)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
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
