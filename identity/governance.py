"""The governance log, `ops.governance_log`: every erasure, subject access and retention action.

One row per action: when (UTC), who (the OS user running it), what (`subject_access`, `erase`,
`retention`), the subject as a keyed hash (HMAC-SHA256 with INSIGHT_HUB_SALT, as customer keys are:
the officer can check that a given person's request was served by hashing their record again, but
the log names no one), how many rows or files the action found or removed per place, and details
that say how it was asked (the source system, the option used, the output folder) but never a
personal value. The log lives beside the file register in schema `ops` of the working warehouse,
survives erasure (it holds no personal data) and is shown in Dagster by the `governance_log` asset.
"""

from __future__ import annotations

import getpass
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import duckdb

from identity.keys import customer_key

ACTIONS = ("subject_access", "erase", "retention")

DDL = """
create schema if not exists ops;
create table if not exists ops.governance_log (
    logged_at timestamp, os_user varchar, action varchar, subject_hash varchar,
    counts json, details json
)
"""


class GovernanceError(ValueError):
    """A request that cannot be served (unknown record, ambiguous subject, bad option)."""


def subject_hash(salt: str, subject: str) -> str:
    """The keyed hash naming a subject in the log and the erasure register (never the subject itself).

    `subject` is `<source_system>:<source_record_id>` for a record or the customer key for a
    customer; the `governance:` prefix keeps these hashes apart from customer keys.
    """
    return customer_key(salt, f"governance:{subject}")


def os_user() -> str:
    """Who ran the action: the operating system's user name."""
    return getpass.getuser()


def record(
    con: duckdb.DuckDBPyConnection,
    action: str,
    subject: str | None,
    counts: dict[str, int],
    details: dict[str, Any],
) -> None:
    """Append one action to the log. `subject` is already a keyed hash (or None for a whole-data action)."""
    if action not in ACTIONS:
        raise GovernanceError(f"unknown governance action {action!r} (one of {', '.join(ACTIONS)})")
    con.execute(DDL)
    con.execute(
        "insert into ops.governance_log "
        "values (timezone('UTC', current_timestamp), ?, ?, ?, ?::json, ?::json)",
        [os_user(), action, subject, json.dumps(counts, sort_keys=True), json.dumps(details, sort_keys=True)],
    )


def summary(con: duckdb.DuckDBPyConnection, last: int = 20) -> tuple[dict[str, int], list[tuple]]:
    """Actions per kind, and the latest `last` entries (when, user, action, subject hash, counts, details)."""
    con.execute(DDL)
    per_action = dict(con.execute("select action, count(*) from ops.governance_log group by 1").fetchall())
    latest = con.execute(
        "select logged_at, os_user, action, subject_hash, counts::varchar, details::varchar "
        "from ops.governance_log order by logged_at desc limit ?",
        [last],
    ).fetchall()
    return {action: per_action.get(action, 0) for action in ACTIONS}, latest


def last_removal(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When records were last removed (an erasure, or a retention action that removed some)."""
    con.execute(DDL)
    return con.execute(
        "select max(logged_at) from ops.governance_log where action in ('erase', 'retention')"
    ).fetchone()[0]


def rows_removed_since(con: duckdb.DuckDBPyConnection, moment: datetime) -> dict[str, int]:
    """Rows each table (`schema.table`) lost to erasures and retention logged after `moment`.

    A release built before them held those rows lawfully; the gate's row-count rule compares a
    table against what that release held less what was removed since, so a retention schedule that
    clears a large backlog is published rather than held as a sudden loss. Read-only: a warehouse
    with no log yet has removed nothing.
    """
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'ops' and table_name = 'governance_log'"
    ).fetchone()[0]
    if not exists:
        return {}
    if moment.tzinfo is not None:  # the log's times are naive UTC
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    removed: Counter[str] = Counter()
    for (counts,) in con.execute(
        "select counts::varchar from ops.governance_log "
        "where action in ('erase', 'retention') and logged_at > ?",
        [moment],
    ).fetchall():
        removed.update(json.loads(counts))
    return dict(removed)
