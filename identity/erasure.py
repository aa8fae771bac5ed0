"""Erasure (right to erasure) and the removal machinery retention shares with it.

`erase` removes one resolved customer everywhere the working data root holds them:

1. the person is resolved (identity/subjects.py: every source record linked to their customer,
   and their telephony calls);
2. every delivered copy in archive/ and quarantine/ holding their records is rewritten without
   those lines (ingestion/redaction.py), first into hidden files beside the copies;
3. in one transaction: the erasure register records the records' keyed hashes (so a re-delivery
   is suppressed), every row about them is deleted from every table that holds people's rows
   (raw, restricted, identity, staging, marts: subjects.holdings), the file register takes the
   rewritten copies' checksums, and the governance log records the action (counts only);
4. the rewritten copies replace the delivered ones; the identity review files (queue and Splink
   dashboards, rebuilt by every run) are deleted.

What the caller then does (the CLI `erase`): rebuild and publish (the nightly job), withdraw every
release built before the erasure (`withdraw_releases`, and `withdraw_served` from the serving
database: they hold the person) and compact the
working warehouse (`compact`: DuckDB leaves deleted rows' bytes in free blocks until the file is
rewritten).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from identity import governance, review, subjects
from ingestion import redaction
from ingestion.layout import Layout, Published, sql_path
from publication.release import current_release, list_releases, releases_dir
from publication.serving_cluster import serving_url

RELEASE_ID_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure removed (counts only: safe to print and log)."""

    erased_at: str  # UTC, in the release id format: releases built before it hold the person
    subject: subjects.Subject
    rows: dict[str, int]  # rows deleted per table
    files_rewritten: int
    lines_removed: int


def erase(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    salt: str,
    system: str | None = None,
    record_id: str | None = None,
    customer_key: str | None = None,
) -> ErasureSummary:
    """Erase the resolved customer of a source record (or of a customer key) from the working data."""
    if system == subjects.STAFF:
        raise governance.GovernanceError(
            "staff records are not erased here: they are SAP's, kept under the employment contract and "
            "legal obligations, and the warehouse follows SAP's snapshots (docs/governance.md, Staff); "
            "subject-access serves a member of staff's request"
        )
    erased_at = release_id_at(datetime.now(UTC))
    subject = subjects.resolve(con, system, record_id, customer_key)
    records = subjects.source_records(con)
    request = governance.subject_hash(salt, subjects.request_subject(system, record_id, customer_key))
    sweep = subjects.refused_lines_sweep(con)
    rows, redactions = remove(con, home, salt, records, "erasure", request, sweep=sweep)
    governance.record(
        con,
        "erase",
        request,
        rows,
        {
            "asked_by": "customer_key" if customer_key is not None else "source_record",
            "source_system": system,
            "records": subject.records,
            "calls": subject.calls,
            "customers": subject.customer_keys,
            "systems": list(subject.systems),
            "files_rewritten": len(redactions),
            "lines_removed": sum(len(r.lines_removed) for r in redactions),
        },
    )
    return ErasureSummary(
        erased_at, subject, rows, len(redactions), sum(len(r.lines_removed) for r in redactions)
    )


def release_id_at(moment: datetime) -> str:
    """A moment as a release id (UTC; a naive moment is the warehouse's UTC timestamp)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(RELEASE_ID_FORMAT)


def remove(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    salt: str,
    records: dict[str, set[str]],
    reason: str,
    request_hash: str | None,
    dated_before: dict[str, date] | None = None,
    sweep: redaction.Sweep | None = None,
) -> tuple[dict[str, int], list[redaction.Redaction]]:
    """Remove source records (system -> record ids) and everything derived from them: the shared
    machinery of erasure and retention. The subject temp tables must name the same records
    (subjects.resolve, or `name_records`). `dated_before` empties the copies of daily feeds dated
    before a day (retention); `sweep` also removes the person's refused lines (erasure). Returns rows
    deleted per table and the rewritten copies."""
    layout = Layout(home)
    redaction.finish_interrupted(con, layout)  # a crashed removal's swaps first: copies match the register
    rewritten = redaction.redact_copies(layout, records, dated_before, sweep)
    con.execute("begin transaction")
    try:
        registered = redaction.register_erased(con, salt, reason, request_hash, records)
        deleted = delete_rows(con)
        redaction.record_redactions(con, rewritten, reason, request_hash)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        redaction.discard(rewritten)
        raise
    if registered:
        redaction.save_register(con, layout)
    redaction.apply(rewritten)
    shutil.rmtree(review.review_dir(home), ignore_errors=True)
    return deleted, rewritten


def delete_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Delete (or blank) the rows of the records the subject temp tables name, in every table holding
    people's rows; returns rows per table (the caller holds the transaction)."""
    deleted: dict[str, int] = {}
    for h in subjects.holdings(con):
        n = con.execute(h.erase_statement()).fetchone()[0]
        if n:
            deleted[h.name] = n
    return deleted


def name_records(con: duckdb.DuckDBPyConnection, records: dict[str, set[str]]) -> None:
    """The subject temp tables for a set of source records (retention's): the records, their calls,
    and the customers left with none of their records."""
    pairs = [(s, r) for s, ids in records.items() if s != subjects.TELEPHONY for r in sorted(ids)]
    con.execute(
        """create or replace temp table subject_records as
           select s as source_system, r as source_record_id, s || ':' || r as unique_id
           from (select unnest(?::varchar[]) as s, unnest(?::varchar[]) as r)""",
        [[s for s, _ in pairs], [r for _, r in pairs]],
    )
    con.execute(
        "create or replace temp table subject_calls as select unnest(?::varchar[]) as call_id",
        [sorted(records.get(subjects.TELEPHONY, set()))],
    )
    # Customers left with no record go too (their golden record, keys).
    xref = "restricted.customer_xref" if subjects.table_exists(con, "restricted", "customer_xref") else None
    con.execute(
        "create or replace temp table subject_keys as "
        + (
            f"select customer_key from {xref} group by customer_key "
            "having bool_and(source_system || ':' || source_record_id in "
            "(select unique_id from subject_records))"
            if xref
            else "select null::varchar as customer_key where false"
        )
    )


def withdraw_releases(published: Path, before: str) -> list[str]:
    """Delete every release built before `before` (a release id): they hold what was removed.

    The current release is withdrawn too when it is one of them (`current` then points nowhere
    until the next release is published): a release that holds an erased person is not served.
    """
    withdrawn = releases_before(published, before)
    current = current_release(published)
    for release_id in withdrawn:
        if release_id == current:
            Published(published).current.unlink(missing_ok=True)
        shutil.rmtree(releases_dir(published) / release_id)
    return withdrawn


def releases_before(published: Path, before: str) -> list[str]:
    """The releases built before `before` (a release id): they hold what a removal at that moment removed."""
    return [release_id for release_id in list_releases(published) if release_id < before]


def withdrawal_report(
    published: Path, holding: list[str], removed_at: str, command: str = "erase", held: str = "the person"
) -> str:
    """What became of the releases that held what a removal took (`holding`, listed before the rebuild):
    which are gone (whichever step withdrew them: the nightly run's compaction or the command itself),
    any still on disk, and the releases built since, without it (`held` says what: the person)."""
    gone = [r for r in holding if not (releases_dir(published) / r).is_dir()]
    kept = [r for r in holding if r not in gone]
    built = [r for r in list_releases(published) if r >= removed_at]
    current = current_release(published)
    removal = "the erasure" if command == "erase" else f"the {command} run"
    lines = [
        f"{command}: withdrew {len(gone)} of {len(holding)} releases built before {removal} (they held "
        f"{held}): {', '.join(gone) or '-'}"
    ]
    if kept:
        lines.append(f"{command}: still on disk, holding {held}: {', '.join(kept)}")
    lines.append(
        f"{command}: {len(built)} releases built since, without {held}: {', '.join(built) or '-'}; "
        f"current: {current if current in built else 'none (nothing is served until a run publishes)'}"
    )
    return "\n".join(lines)


def withdraw_served(before: str) -> tuple[list[str], list[str]]:
    """With a serving database configured (INSIGHT_HUB_SERVING_URL), drop its schemas of the releases
    built before `before`, as `withdraw_releases` deletes their files; returns (dropped, still held
    by a reader: retried by the next night's compaction asset). Without one, nothing to do."""
    url = serving_url()
    if not url:
        return [], []
    from publication import serving  # the PostgreSQL driver, in the team configuration only

    return serving.withdraw(url, before)


def compact(database: Path) -> tuple[int, int]:
    """Rewrite a DuckDB file with only its live data (COPY FROM DATABASE into a new file, then swap):
    a DELETE leaves the old rows' bytes in free blocks. Returns the sizes before and after."""
    with duckdb.connect(str(database)) as con:
        con.execute("checkpoint")  # the WAL folded in: the file alone is the database
    before = database.stat().st_size
    folder = Layout.compacting(database)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    fresh = folder / database.name
    con = duckdb.connect()
    try:
        # Attached under the file's own name, so views that name their database still bind.
        con.execute(f"attach '{sql_path(database)}' as \"{database.stem}\" (read_only)")
        con.execute(f"attach '{sql_path(fresh)}' as compacted")
        con.execute(f'copy from database "{database.stem}" to compacted')
        con.execute("detach compacted")
        con.execute(f'detach "{database.stem}"')
    finally:
        con.close()
    fresh.chmod(database.stat().st_mode & 0o7777)  # the warehouse's owner-only mode (ingestion/layout.py)
    fresh.replace(database)
    shutil.rmtree(folder, ignore_errors=True)
    return before, database.stat().st_size
