"""The file register: `ops.file_register` and `ops.ingestion_findings`, their DDL and every query on them.

`ops.file_register` holds one row per version of every delivered file (sha256, status, row counts,
report), written by ingestion in the same transaction as the file's raw rows; `ops.ingestion_findings`
one row per check that fired on a version; `ops.file_redactions` one row per rewrite of a delivered
copy without erased or expired records (ingestion/redaction.py). This module is their only reader
and writer in Python: ingestion, the Dagster assets, the gate, the CLI and the benchmarks call the
named functions below (dbt reads the tables through its `ops` source). File names reach SQL only as
parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

LOADED = ("loaded", "loaded_with_quarantine")
FILE_STATUSES = (*LOADED, "quarantined")

DDL = """
create schema if not exists ops;
create table if not exists ops.file_register (
    feed_path varchar, table_name varchar, file_name varchar, file_date date,
    sha256 varchar, bytes bigint, version integer, status varchar,
    rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
    check_failed varchar, message varchar, report_path varchar, processed_at timestamp,
    primary key (feed_path, file_name, version)
);
create table if not exists ops.ingestion_findings (
    feed_path varchar, table_name varchar, file_name varchar, sha256 varchar, version integer,
    check_name varchar, severity varchar, rows_affected bigint, message varchar, found_at timestamp
);
-- Records of erased people withheld from a file as it loaded (ingestion/redaction.py): not read,
-- not refused. Added after the first release of the register, hence the alter.
alter table ops.file_register add column if not exists suppressed_by_erasure bigint;
-- Every rewrite of a delivered copy without erased or expired records: the register row of the
-- version then carries the rewritten copy's checksum and size, this table the one it replaced.
create table if not exists ops.file_redactions (
    feed_path varchar, file_name varchar, version integer, previous_sha256 varchar, sha256 varchar,
    bytes bigint, lines_removed bigint, rows_refused_removed bigint, reason varchar,
    request_hash varchar, redacted_at timestamp
);
"""


@dataclass(frozen=True)
class Version:
    """One row of `ops.file_register` for a file name."""

    version: int
    sha256: str
    status: str


def create(con: duckdb.DuckDBPyConnection) -> None:
    """Create the register's tables if they do not exist yet."""
    con.execute(DDL)


# --- what ingestion reads to judge a batch ---------------------------------------------------------


def versions_by_name(con: duckdb.DuckDBPyConnection, feed_path: str) -> dict[str, list[Version]]:
    """Every version recorded for each file name of a landing folder, oldest first."""
    history: dict[str, list[Version]] = {}
    for name, *version in con.execute(
        "select file_name, version, sha256, status from ops.file_register where feed_path = ? "
        "order by file_name, version",
        [feed_path],
    ).fetchall():
        history.setdefault(name, []).append(Version(*version))
    return history


def versions_of(con: duckdb.DuckDBPyConnection, feed_path: str, file_name: str) -> list[Version]:
    """Every version recorded for one file name, oldest first."""
    return [
        Version(*row)
        for row in con.execute(
            "select version, sha256, status from ops.file_register where feed_path = ? and file_name = ? "
            "order by version",
            [feed_path, file_name],
        ).fetchall()
    ]


def loaded_with_content(
    con: duckdb.DuckDBPyConnection, shas: list[str]
) -> dict[str, list[tuple[str, str | None, date | None]]]:
    """For each sha256 given, the (name, table, file date) of loaded files with records of those bytes."""
    loaded: dict[str, list[tuple[str, str | None, date | None]]] = {}
    for sha, name, table, file_date in con.execute(
        f"""select sha256, file_name, table_name, file_date from ops.file_register
            where sha256 in (select unnest(?::varchar[])) and rows_read > 0 and status in {LOADED}
            order by processed_at""",
        [shas],
    ).fetchall():
        loaded.setdefault(sha, []).append((name, table, file_date))
    return loaded


def newest_file_date(con: duckdb.DuckDBPyConnection, table: str) -> date | None:
    """The newest file date a feed delivered, whatever became of the file."""
    return con.execute(
        "select max(file_date) from ops.file_register where table_name = ?", [table]
    ).fetchone()[0]


def loaded_volumes(con: duckdb.DuckDBPyConnection, table: str, limit: int) -> list[tuple[date | None, int]]:
    """(file date, records) of the feed's last `limit` loaded files with records, oldest first."""
    return con.execute(
        f"""select file_date, rows_read from ops.file_register
            where table_name = ? and rows_read > 0 and status in {LOADED}
            order by processed_at desc, file_date desc limit ?""",
        [table, limit],
    ).fetchall()[::-1]


def known_copies(con: duckdb.DuckDBPyConnection, feed_path: str) -> set[tuple[str, int | None]]:
    """(file name, bytes) of every version the register knows in a landing folder (for a rebuild)."""
    return set(
        con.execute(
            "select file_name, bytes from ops.file_register where feed_path = ?", [feed_path]
        ).fetchall()
    )


# --- what ingestion writes, inside the caller's transaction ---------------------------------------


def move_report(
    con: duckdb.DuckDBPyConnection, feed_path: str, file_name: str, version: int, report_path: str
) -> None:
    """Say where a version's report went when a newer version set it aside (if it had one)."""
    con.execute(
        "update ops.file_register set report_path = ? "
        "where feed_path = ? and file_name = ? and version = ? and report_path is not null",
        [report_path, feed_path, file_name, version],
    )


@dataclass(frozen=True)
class FileRow:
    """One version of a delivered file as `ops.file_register` records it (callers fill in fields, the
    register names the columns; processed_at is stamped on insert)."""

    feed_path: str
    table_name: str | None
    file_name: str
    version: int
    status: str
    file_date: date | None = None
    sha256: str | None = None
    bytes: int | None = None
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    check_failed: str | None = None
    message: str | None = None
    report_path: str | None = None
    suppressed_by_erasure: int | None = None


@dataclass(frozen=True)
class FindingRow:
    """One check that fired on a file version, as `ops.ingestion_findings` records it (found_at stamped)."""

    feed_path: str
    table_name: str | None
    file_name: str
    sha256: str
    version: int
    check_name: str
    severity: str
    rows_affected: int | None
    message: str


def record(con: duckdb.DuckDBPyConnection, files: list[FileRow], findings: list[FindingRow]) -> None:
    """Insert file versions and their findings, stamped now."""
    _insert(con, "ops.file_register", [asdict(f) for f in files], stamp="processed_at")
    _insert(con, "ops.ingestion_findings", [asdict(f) for f in findings], stamp="found_at")


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], stamp: str) -> None:
    """Insert rows (dicts keyed by column) in one statement, stamped with the current time."""
    if not rows:
        return
    con.register("new_rows", pa.Table.from_pylist(rows))
    try:
        columns = ", ".join(rows[0])
        now = "current_timestamp::timestamp"
        con.execute(f"insert into {table} ({columns}, {stamp}) select {columns}, {now} from new_rows")
    finally:
        con.unregister("new_rows")


# --- what the checks, the gate, the release and the CLI read ----------------------------------------

# Per file name, its latest loaded version (whose rows the raw table holds) against the raw table
# and that version's refused rows; a file out of balance, or rows of a file the register does not
# know, fail the check.
_CONSERVATION_SQL = f"""
with latest as (
    select file_name, sha256, rows_read, rows_loaded, rows_quarantined
    from ops.file_register
    where table_name = $table and status in {LOADED}
    qualify row_number() over (partition by file_name order by version desc) = 1
),
in_table as (
    select _source_file as file_name, count(*) as n from raw.{{table}} group by 1
),
in_quarantine as (
    select source_file as file_name, file_sha256 as sha256, count(distinct row_number) as n
    from ops.quarantined_rows where table_name = $table group by 1, 2
)
select coalesce(l.file_name, t.file_name)
from latest l
full join in_table t using (file_name)
left join in_quarantine q on q.file_name = l.file_name and q.sha256 = l.sha256
where l.file_name is null
   or l.rows_read is distinct from l.rows_loaded + l.rows_quarantined
   or l.rows_loaded is distinct from coalesce(t.n, 0)
   or l.rows_quarantined is distinct from coalesce(q.n, 0)
order by 1
"""


def out_of_balance(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Files of `raw.<table>` whose rows are not conserved: read = loaded + quarantined, and the
    loaded and quarantined rows are where the register says (row conservation)."""
    rows = con.execute(_CONSERVATION_SQL.format(table=table), {"table": table}).fetchall()
    return [row[0] for row in rows]


def latest_loaded_files(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The version of each file name whose rows the warehouse holds: name, feed, sha256, rows,
    file_date (a release's sources). That is the latest LOADED version: a later version refused
    whole (records_lost, a broken header, ..) replaces nothing, so the one before it stays."""
    rows = con.execute(
        f"""select file_name, feed_path, sha256, rows_loaded, file_date
            from ops.file_register
            where status in {LOADED}
            qualify version = max(version) over (partition by feed_path, file_name)
            order by feed_path, file_name"""
    ).fetchall()
    return [dict(zip(("name", "feed", "sha256", "rows", "file_date"), row, strict=True)) for row in rows]


def loaded_since(con: duckdb.DuckDBPyConnection, known: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files whose latest loaded version a release did not hold.

    `known` is the release's `source_files` (feed, name, sha256 of each file's latest loaded version
    then); a version is the one it held when its bytes match, or, for a copy rewritten since by an
    erasure or retention (ops.file_redactions), the bytes it replaced. Returned per file: table,
    name, version, file date, and whether an earlier version of the name had loaded (a corrected
    re-send). By bytes, never by the clock: a release names what it was built from."""
    rows = con.execute(
        f"""
        with known as (
            select unnest(?::struct(feed varchar, name varchar, sha256 varchar)[], recursive := true)
        ),
        loaded as (
            select r.feed_path, r.table_name, r.file_name, r.version, r.file_date, r.sha256,
                   list(x.previous_sha256) filter (where x.previous_sha256 is not null) as replaced
            from ops.file_register r
            left join ops.file_redactions x using (feed_path, file_name, version)
            where r.status in {LOADED}
            group by all
        ),
        held as (
            select l.feed_path, l.file_name, max(l.version) as version
            from loaded l
            join known k on k.feed = l.feed_path and k.name = l.file_name
                and (k.sha256 = l.sha256 or list_contains(coalesce(l.replaced, []), k.sha256))
            group by all
        )
        select l.table_name, l.file_name, l.version, l.file_date, h.version is not null
                   or exists (select 1 from loaded e where e.feed_path = l.feed_path
                              and e.file_name = l.file_name and e.version < l.version)
        from loaded l
        left join held h using (feed_path, file_name)
        where l.version > coalesce(h.version, 0)
        qualify l.version = max(l.version) over (partition by l.feed_path, l.file_name)
        order by l.table_name, l.file_name
        """,
        [[{"feed": f["feed"], "name": f["name"], "sha256": f["sha256"]} for f in known]],
    ).fetchall()
    names = ("table_name", "file_name", "version", "file_date", "corrects_a_loaded_version")
    return [dict(zip(names, row, strict=True)) for row in rows]


def file_days(con: duckdb.DuckDBPyConnection, tables: list[str], until: date) -> list[tuple[str, date, str]]:
    """(table, day, status) for every feed of `tables` and day from its first file to `until`.

    status is the latest version's status of that day's file, or `missing`; a feed that never
    delivered a file has one `missing` row dated `until`.
    """
    if not tables:
        return []
    return con.execute(
        """
        with feeds as (select unnest(?::varchar[]) as table_name),
        files as (
            select table_name, file_date, arg_max(status, version) as status
            from ops.file_register
            where table_name in (select table_name from feeds) and file_date <= ?::date
            group by table_name, file_date
        ),
        spans as (
            select feeds.table_name, coalesce(min(files.file_date), ?::date) as first_day
            from feeds left join files using (table_name)
            group by feeds.table_name
        ),
        days as (
            select table_name, unnest(generate_series(first_day, ?::date, interval 1 day))::date as day
            from spans
        )
        select days.table_name, days.day, coalesce(files.status, 'missing')
        from days left join files on files.table_name = days.table_name and files.file_date = days.day
        order by days.table_name, days.day
        """,
        [tables, until, until, until],
    ).fetchall()


def clock() -> datetime:
    """Now, on the register's clock (processed_at: DuckDB's current_timestamp in the session's time
    zone), so a caller can later ask what was registered since."""
    con = duckdb.connect()
    try:
        return con.execute("select current_timestamp::timestamp").fetchone()[0]
    finally:
        con.close()


def feed_totals(
    con: duckdb.DuckDBPyConnection, since: datetime | None = None
) -> list[tuple[str, int, int, int, int]]:
    """Per landing folder: file versions loaded and refused, rows loaded and rows refused in loaded
    files; only those registered at or after `since` (a run's start, from clock()) when given."""
    return con.execute(
        """select feed_path, count(*) filter (where status <> 'quarantined'),
                  count(*) filter (where status = 'quarantined'),
                  coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined) filter
                  (where status <> 'quarantined'), 0)
           from ops.file_register where $since is null or processed_at >= $since
           group by 1 order by 1""",
        {"since": since},
    ).fetchall()


def newest_loaded_per_feed(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, date | None, int]]:
    """Per feed: landing folder, table, newest file date not refused, files not refused."""
    return con.execute(
        """select feed_path, table_name, max(file_date), count(*) from ops.file_register
           where status <> 'quarantined' group by 1, 2 order by 1, 2"""
    ).fetchall()


# --- what erasure and retention write (ingestion/redaction.py), inside the caller's transaction ------


def redaction_recorded(
    con: duckdb.DuckDBPyConnection, feed_path: str, file_name: str, previous_sha256: str, sha256: str
) -> bool:
    """Whether a rewrite of the copy with checksum `previous_sha256` into `sha256` was committed."""
    create(con)
    return bool(
        con.execute(
            "select count(*) from ops.file_redactions where feed_path = ? and file_name = ? "
            "and previous_sha256 = ? and sha256 = ?",
            [feed_path, file_name, previous_sha256, sha256],
        ).fetchone()[0]
    )


def record_redaction(
    con: duckdb.DuckDBPyConnection,
    feed_path: str,
    file_name: str,
    previous_sha256: str,
    sha256: str,
    size: int,
    lines_removed: int,
    refused_removed: int,
    reason: str,
    request_hash: str | None,
    counted: bool = True,
) -> None:
    """A delivered copy was rewritten without `lines_removed` records (`refused_removed` of them refused
    rows): its version now has the new checksum, size and row counts, and the rewrite is recorded.
    Records withheld as the file loaded (`counted` false) were never counted: the counts stay."""
    removed = lines_removed if counted else 0
    version = con.execute(
        "select max(version) from ops.file_register where feed_path = ? and file_name = ? and sha256 = ?",
        [feed_path, file_name, previous_sha256],
    ).fetchone()[0]
    con.execute(
        f"""update ops.file_register set sha256 = $new, bytes = $bytes,
               rows_read = rows_read - $removed,
               rows_loaded = case when status in {LOADED} then rows_loaded - ($removed - $refused)
                                  else rows_loaded end,
               rows_quarantined = rows_quarantined - $refused
            where feed_path = $feed and file_name = $name and sha256 = $old""",
        {
            "new": sha256,
            "bytes": size,
            "removed": removed,
            "refused": refused_removed,
            "feed": feed_path,
            "name": file_name,
            "old": previous_sha256,
        },
    )
    con.execute(
        "update ops.ingestion_findings set sha256 = ? where feed_path = ? and file_name = ? and sha256 = ?",
        [sha256, feed_path, file_name, previous_sha256],
    )
    con.execute(
        "insert into ops.file_redactions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)",
        [
            feed_path,
            file_name,
            version,
            previous_sha256,
            sha256,
            size,
            lines_removed,
            refused_removed,
            reason,
            request_hash,
        ],
    )


def redactions(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every rewrite recorded: (feed, file, version, previous sha256, sha256, lines removed, reason)."""
    return con.execute(
        "select feed_path, file_name, version, previous_sha256, sha256, lines_removed, reason "
        "from ops.file_redactions order by redacted_at, feed_path, file_name, version"
    ).fetchall()
