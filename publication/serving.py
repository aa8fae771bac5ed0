"""The serving database: each release also loaded into PostgreSQL, for BI tools that connect live.

When INSIGHT_HUB_SERVING_URL names a PostgreSQL database (docs/deployment.md):

- `load_release` copies a built release into its own schema `release_<id>`, every table in bulk
  (DuckDB writes each table as CSV from the release's Parquet, or its DuckDB file where the set
  has no Parquet, and psycopg streams that file through `COPY ... FROM STDIN`), with the dbt
  descriptions as COMMENTs, a unique index on each table's grain and an index on each other key
  column. Readers see nothing of it yet.
- `switch_release` points the stable schemas BI tools connect to (`bi` internal, `bi_open`,
  `bi_restricted`: one per audience set of the release) at that schema in one transaction: it
  locks every stable view first (one statement, a short lock timeout, retried, so it never
  deadlocks with a reader and never holds a reader for long), then replaces the views. A reader
  that has read any stable view holds its lock until its transaction ends, so the switch waits
  for it: its whole transaction sees the old release; a transaction that reads after the commit
  sees the new one. Before switching, it waits for every transaction older than the load to end
  (such a snapshot would see the new tables empty).
- Four roles are created and granted by the product: `insight_hub_loader` owns and writes
  everything; `insight_hub_<audience>_reader` may read the views of its audience's schema and
  nothing else (no access to the release schemas, no CREATE, no TEMP).

No Dagster here: the publish step and the rollback command call `publish`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg import sql

from ingestion.layout import Release, sql_path
from publication.descriptions import TableDocs
from publication.serving_cluster import serving_url  # noqa: F401 (the callers' one import)

AUDIENCES = ("open", "internal", "restricted")
STABLE_SCHEMAS = {"internal": "bi", "open": "bi_open", "restricted": "bi_restricted"}
LOADER = "insight_hub_loader"
READERS = {audience: f"insight_hub_{audience}_reader" for audience in AUDIENCES}
META = "insight_hub_serving"  # the loader's bookkeeping: releases loaded, switches
LOCK_TIMEOUT = "500ms"  # below deadlock_timeout (1 s): the switch, not a reader, gives way
COPY_CHUNK = 1 << 20
# DuckDB type (as the manifest records it) -> PostgreSQL type.
TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "UTINYINT": "smallint",
    "INTEGER": "integer",
    "USMALLINT": "integer",
    "BIGINT": "bigint",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}
DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


class ServingError(RuntimeError):
    """The serving database refused a load or a switch; the message says which and why."""


def schema_of(release_id: str) -> str:
    return f"release_{release_id.lower()}"


def load(url: str, release_folder: Path, docs: dict[str, TableDocs] | None = None) -> str:
    """The roles, then the release in its own schema unless it is loaded already; its schema.
    Readers see no change: the stable schemas still show the current release."""
    with connect(url) as conn:
        ensure_roles(conn)
        if not is_loaded(conn, release_folder.name):
            load_release(conn, release_folder, docs or {})
    return schema_of(release_folder.name)


def switch(url: str, release_id: str) -> None:
    """The stable schemas switched to a loaded release (one transaction)."""
    with connect(url) as conn:
        switch_release(conn, release_id)


def publish(url: str, release_folder: Path, docs: dict[str, TableDocs] | None = None) -> str:
    """Load the release if it is not loaded yet, then switch the stable schemas to it; its schema
    (the rollback command: an earlier release pruned from PostgreSQL is loaded again from its files)."""
    schema = load(url, release_folder, docs)
    switch(url, release_folder.name)
    return schema


@contextmanager
def connect(url: str) -> Iterator[psycopg.Connection]:
    try:
        conn = psycopg.connect(url, autocommit=True, application_name="insight-hub loader")
    except psycopg.Error as error:
        raise ServingError(f"cannot connect to the serving database: {error}") from error
    try:
        yield conn
    except psycopg.Error as error:  # whatever the server refused, said as the publish step's failure
        raise ServingError(f"the serving database refused: {error}") from error
    finally:
        conn.close()


def ensure_roles(conn: psycopg.Connection) -> None:
    """The loader and the three readers (NOLOGIN group roles: people and Tableau log in as members),
    the bookkeeping schema, and a database where only the loader creates anything."""
    database = conn.info.dbname
    with conn.transaction():
        existing = {r[0] for r in conn.execute("select rolname from pg_roles").fetchall()}
        for role in (LOADER, *READERS.values()):
            if role not in existing:
                conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
        member = conn.execute("select pg_has_role(current_user, %s, 'MEMBER')", [LOADER]).fetchone()[0]
        if not member:  # the URL's user works as the loader (SET ROLE), so the loader owns everything
            conn.execute(
                sql.SQL("grant {} to {}").format(sql.Identifier(LOADER), sql.Identifier(conn.info.user))
            )
        conn.execute(
            sql.SQL("grant create, connect on database {} to {}").format(
                sql.Identifier(database), sql.Identifier(LOADER)
            )
        )
        # Readers connect and read; nobody but the loader may create anything, temporary tables included.
        conn.execute(sql.SQL("revoke temporary on database {} from public").format(sql.Identifier(database)))
        conn.execute("revoke create on schema public from public")
        for role in READERS.values():
            conn.execute(
                sql.SQL("grant connect on database {} to {}").format(
                    sql.Identifier(database), sql.Identifier(role)
                )
            )
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(LOADER)))
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(META)))
        conn.execute(
            sql.SQL(
                "create table if not exists {}.releases (release_id text primary key, schema_name text "
                "not null, loaded_at timestamptz not null, tables jsonb not null)"
            ).format(sql.Identifier(META))
        )
        conn.execute(
            sql.SQL(
                "create table if not exists {}.switches (switched_at timestamptz primary key default "
                "clock_timestamp(), release_id text not null references {}.releases)"
            ).format(sql.Identifier(META), sql.Identifier(META))
        )
        for audience, schema in STABLE_SCHEMAS.items():
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL("grant usage on schema {} to {}").format(
                    sql.Identifier(schema), sql.Identifier(READERS[audience])
                )
            )


def is_loaded(conn: psycopg.Connection, release_id: str) -> bool:
    found = conn.execute(
        sql.SQL("select 1 from {}.releases where release_id = %s").format(sql.Identifier(META)), [release_id]
    ).fetchone()
    return found is not None


def current(conn: psycopg.Connection) -> str | None:
    """The release the stable schemas show (None before the first switch)."""
    row = conn.execute(
        sql.SQL("select release_id from {}.switches order by switched_at desc limit 1").format(
            sql.Identifier(META)
        )
    ).fetchone()
    return row[0] if row else None


def load_release(conn: psycopg.Connection, folder: Path, docs: dict[str, TableDocs]) -> None:
    """Copy every table of the release into `release_<id>` in one transaction (bulk COPY per table)."""
    manifest = json.loads(Release(folder).manifest.read_text(encoding="utf-8"))
    schema = schema_of(folder.name)
    homes = _homes(manifest)
    with conn.transaction(), tempfile.TemporaryDirectory(prefix="insight-hub-serving-") as tmp:
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(LOADER)))
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
        for table, audience in homes.items():
            columns = manifest["tables"][table]["columns"]
            table_docs = docs.get(table, TableDocs())
            target = sql.Identifier(schema, table)
            conn.execute(
                sql.SQL("create table {} ({})").format(
                    target,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c["name"]), sql.SQL(_pg_type(table, c)))
                        for c in columns
                    ),
                )
            )
            rows = _copy_table(conn, target, _source(folder, manifest, table, audience), Path(tmp))
            expected = manifest["tables"][table]["rows"]
            if rows != expected:
                raise ServingError(
                    f"release {folder.name}: {table} loaded {rows} rows, the manifest says {expected}"
                )
            _describe(conn, target, table_docs, {c["name"] for c in columns})
            _index(conn, schema, table, table_docs.grain, [c["name"] for c in columns])
            conn.execute(sql.SQL("analyze {}").format(target))
        conn.execute(
            sql.SQL(
                "insert into {}.releases (release_id, schema_name, loaded_at, tables) "
                "values (%s, %s, clock_timestamp(), %s)"
            ).format(sql.Identifier(META)),
            [folder.name, schema, json.dumps(_sets(manifest))],
        )
    # Stamped after the commit: a transaction that began before this moment may hold a snapshot
    # from before the commit, in which the new tables are empty; the switch waits for those.
    conn.execute(
        sql.SQL("update {}.releases set loaded_at = clock_timestamp() where release_id = %s").format(
            sql.Identifier(META)
        ),
        [folder.name],
    )


def _homes(manifest: dict[str, Any]) -> dict[str, str]:
    """Each table once, with the audience set it is loaded from (its own audience's)."""
    if "audiences" not in manifest:
        raise ServingError(f"release {manifest['release_id']} has no audience sets in its manifest")
    return {table: info["audience"] for table, info in sorted(manifest["tables"].items())}


def _sets(manifest: dict[str, Any]) -> dict[str, list[str]]:
    """The tables each stable schema shows: the release's audience sets."""
    return {audience: sorted(manifest["audiences"][audience]["tables"]) for audience in AUDIENCES}


def _pg_type(table: str, column: dict[str, str]) -> str:
    duck = column["type"]
    if decimal := DECIMAL.fullmatch(duck):
        return f"numeric({decimal[1]},{decimal[2]})"
    if duck not in TYPES:
        raise ServingError(f"{table}.{column['name']}: DuckDB type {duck} has no PostgreSQL mapping")
    return TYPES[duck]


def _source(folder: Path, manifest: dict[str, Any], table: str, audience: str) -> tuple[Path | None, str]:
    """What DuckDB reads the table from: the set's Parquet file, or (a set without Parquet, e.g.
    restricted by default) its DuckDB file, attached read-only as `rel`."""
    release = Release(folder / manifest["audiences"][audience]["folder"])  # "." for internal
    parquet = release.parquet / f"{table}.parquet"
    if parquet.is_file():
        return None, f"read_parquet('{sql_path(parquet)}')"
    return release.database, f"rel.{manifest['schema']}.{table}"


def _copy_table(
    conn: psycopg.Connection, target: sql.Composed, source: tuple[Path | None, str], tmp: Path
) -> int:
    """DuckDB writes the table as CSV (NULL unquoted-empty, '' quoted: PostgreSQL's CSV rules),
    psycopg streams the file through COPY FROM STDIN in 1 MiB chunks; the rows COPY reports."""
    database, relation = source
    csv = tmp / "table.csv"
    duck = duckdb.connect(":memory:")
    try:
        duck.execute("set enable_progress_bar = false")
        if database is not None:
            duck.execute(f"attach '{sql_path(database)}' as rel (read_only)")
        duck.execute(
            f"copy (select * from {relation}) to '{sql_path(csv)}' (format csv, header false, "
            "dateformat '%Y-%m-%d', timestampformat '%Y-%m-%d %H:%M:%S.%f')"
        )
    finally:
        duck.close()
    with conn.cursor() as cur:
        with (
            cur.copy(sql.SQL("copy {} from stdin (format csv)").format(target)) as copy,
            csv.open("rb") as data,
        ):
            while chunk := data.read(COPY_CHUNK):
                copy.write(chunk)
        rows = cur.rowcount  # what the server's COPY reported
    csv.unlink()
    return rows


def _describe(conn: psycopg.Connection, target: sql.Composed, docs: TableDocs, columns: set[str]) -> None:
    if docs.description:
        conn.execute(sql.SQL("comment on table {} is {}").format(target, sql.Literal(docs.description)))
    for column, description in docs.columns.items():
        if description and column in columns:
            conn.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    target, sql.Identifier(column), sql.Literal(description)
                )
            )


def _index(
    conn: psycopg.Connection, schema: str, table: str, grain: tuple[str, ...], columns: list[str]
) -> None:
    """A unique index on the grain (what BI tools join on), an index on every other `*_key` column."""
    if grain and set(grain) <= set(columns):
        conn.execute(
            sql.SQL("create unique index {} on {} ({})").format(
                sql.Identifier(f"{table}_grain"),
                sql.Identifier(schema, table),
                sql.SQL(", ").join(map(sql.Identifier, grain)),
            )
        )
    for column in columns:
        if column.endswith("_key") and (column,) != grain:
            conn.execute(
                sql.SQL("create index {} on {} ({})").format(
                    sql.Identifier(f"{table}_{column}"), sql.Identifier(schema, table), sql.Identifier(column)
                )
            )


def switch_release(conn: psycopg.Connection, release_id: str, wait: float | None = None) -> None:
    """Point every stable schema at `release_<id>` in one transaction (see the module's docstring).

    `wait`: seconds to wait for transactions older than the load, and for the stable views' locks
    (INSIGHT_HUB_SERVING_SWITCH_WAIT, default 600); ServingError when they do not come.
    """
    wait = float(os.environ.get("INSIGHT_HUB_SERVING_SWITCH_WAIT", "600")) if wait is None else wait
    row = conn.execute(
        sql.SQL("select schema_name, loaded_at, tables from {}.releases where release_id = %s").format(
            sql.Identifier(META)
        ),
        [release_id],
    ).fetchone()
    if row is None:
        raise ServingError(f"release {release_id} is not loaded in the serving database")
    schema, loaded_at, sets = row
    deadline = time.monotonic() + wait
    _wait_for_older_transactions(conn, loaded_at, deadline)
    while True:
        try:
            with conn.transaction():
                _replace_views(conn, schema, sets, release_id)
            return
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as busy:
            if time.monotonic() > deadline:
                raise ServingError(
                    f"could not switch to release {release_id} within {wait:.0f} s: readers hold the "
                    f"stable views ({busy.diag.message_primary})"
                ) from busy
            time.sleep(0.2)


def _wait_for_older_transactions(conn: psycopg.Connection, loaded_at: datetime, deadline: float) -> None:
    """Wait until no transaction that began before the load is open: its snapshot would see the
    new tables empty (CREATE TABLE is not MVCC-safe for older snapshots)."""
    while True:
        older = conn.execute(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and backend_type = 'client backend' and pid <> pg_backend_pid() and xact_start < %s",
            [loaded_at],
        ).fetchone()[0]
        if not older:
            return
        if time.monotonic() > deadline:
            raise ServingError(
                f"{older} transaction(s) older than the load are still open: not switching, so that none "
                "sees a half-visible release; the current release is unchanged"
            )
        time.sleep(0.2)


def _replace_views(
    conn: psycopg.Connection, schema: str, sets: dict[str, list[str]], release_id: str
) -> None:
    """One transaction: lock every stable view (short timeout), drop them, create the new release's,
    grant them to their audience's reader, record the switch."""
    conn.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(LOADER)))
    views = conn.execute(
        "select schemaname, viewname from pg_views where schemaname = any(%s) order by 1, 2",
        [list(STABLE_SCHEMAS.values())],
    ).fetchall()
    if views:
        conn.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.SQL(", ").join(sql.Identifier(s, v) for s, v in views)
            )
        )
        for s, v in views:
            conn.execute(sql.SQL("drop view {}").format(sql.Identifier(s, v)))
    for audience, stable in STABLE_SCHEMAS.items():
        for table in sets[audience]:
            view = sql.Identifier(stable, table)
            conn.execute(
                sql.SQL("create view {} as select * from {}").format(view, sql.Identifier(schema, table))
            )
            conn.execute(
                sql.SQL("comment on view {} is {}").format(
                    view, sql.Literal(f"release {release_id}: see {schema}.{table} for the descriptions")
                )
            )
            conn.execute(sql.SQL("grant select on {} to {}").format(view, sql.Identifier(READERS[audience])))
    conn.execute(
        sql.SQL("insert into {}.switches (release_id) values (%s)").format(sql.Identifier(META)), [release_id]
    )


def prune(url: str, keep: int) -> list[str]:
    """Drop the loaded releases beyond the `keep` newest, never the current one; a release a reader
    still holds is skipped (retried at the next publish)."""
    with connect(url) as conn:
        newest_first = _loaded(conn)[::-1]
        return [release_id for release_id in newest_first[keep:] if _drop(conn, release_id)]


def discard(url: str, release_id: str) -> bool:
    """Drop a loaded release that was never made current (its publish failed after the load)."""
    with connect(url) as conn:
        return _drop(conn, release_id)


def withdraw(url: str, before: str) -> tuple[list[str], list[str]]:
    """Drop every loaded release built before `before` (a release id), the current one included: they
    hold what an erasure or retention removed (identity/erasure.withdraw_releases withdraws their
    files). Dropping the current release drops the stable views with it: nothing is served until a
    release built after the removal is published. Returns the releases dropped and those a reader
    still held (withdrawn at the next withdrawal: the compaction asset runs it again next night)."""
    with connect(url) as conn:
        loaded = [release_id for release_id in _loaded(conn) if release_id < before]
        dropped = [release_id for release_id in loaded if _drop(conn, release_id, even_current=True)]
    return dropped, [release_id for release_id in loaded if release_id not in dropped]


def _loaded(conn: psycopg.Connection) -> list[str]:
    """The loaded releases' ids, oldest first (release ids sort by time)."""
    query = sql.SQL("select release_id from {}.releases order by release_id").format(sql.Identifier(META))
    return [r[0] for r in conn.execute(query).fetchall()]


def _drop(conn: psycopg.Connection, release_id: str, even_current: bool = False) -> bool:
    """Drop one loaded release and its bookkeeping unless it is current (but `even_current`) or a
    reader holds it."""
    if release_id == current(conn) and not even_current:
        return False
    try:
        with conn.transaction():
            conn.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
            conn.execute(sql.SQL("set local role {}").format(sql.Identifier(LOADER)))
            for statement in (
                "delete from {}.switches where release_id = %s",
                "delete from {}.releases where release_id = %s",
            ):
                conn.execute(sql.SQL(statement).format(sql.Identifier(META)), [release_id])
            conn.execute(
                sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema_of(release_id)))
            )
    except psycopg.errors.LockNotAvailable:
        return False
    return True
