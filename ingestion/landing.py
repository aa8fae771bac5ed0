"""Ingesting a feed: the front door. Find its files, judge and load them in batches, record and move them.

The work is done in rooms, one concern each:
- `zone`: which files wait in landing/, moving each to archive/ or quarantine/, report paths;
- `register`: `ops.file_register` and `ops.ingestion_findings`, every read and write;
- `judging`: what becomes of each file (loaded, refused, unchanged) and its warnings;
- `staging` and `loader` (with the format readers): rows into `raw.<table>` or `ops.quarantined_rows`,
  through the batch's temporary tables (`batch.BatchTables`);
- `rebuild`: copies in archive/ and quarantine/ the register lost, judged again first.

A batch is written in a fixed order: reports, then one transaction (raw rows and bookkeeping),
then the files move. A crash anywhere leaves a state the next run completes (tests/faults).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion import loader, redaction, register, zone
from ingestion.batch import BatchTables
from ingestion.contract import FeedSpec
from ingestion.judging import (
    Decision,
    Delivery,
    RegisterView,
    judge,
    refusal,
    stranger_violation,
    write_report,
)
from ingestion.layout import Layout
from ingestion.rebuild import ArchivedCopy, batches, unregistered_copies
from ingestion.staging import stage
from ingestion.zone import ALL_DAYS, DayWindow, folder_specs, is_stranger, pending_files, unknown_files


@dataclass
class FileOutcome:
    file_name: str
    status: str  # loaded, loaded_with_quarantine, quarantined, unchanged
    rows_read: int | None
    rows_loaded: int
    rows_quarantined: int | None
    check_failed: str | None = None
    warnings: tuple[str, ...] = ()  # warning checks that fired: new_version, late_arrival, extra_column


@dataclass
class FeedResult:
    table: str
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined or 0 for f in self.files)

    @property
    def files_quarantined(self) -> int:
        return sum(f.status == "quarantined" for f in self.files)

    def files_warned(self, check: str) -> int:
        return sum(check in f.warnings for f in self.files)


def ingest_feed(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    spec: FeedSpec,
    window: DayWindow = ALL_DAYS,
    salt: str | None = None,
) -> FeedResult:
    """Load the feed's pending landing files dated within `window`; the folder's first feed also
    refuses strangers. A rebuild restores every archived copy whatever the window: it restores
    what was already judged, it does not judge new deliveries. Records of erased people are
    withheld (ingestion/redaction.py), recognised by their keyed hash: `salt` is needed once a
    record of the feed has been erased."""
    loader.ensure_tables(con, spec)
    layout = Layout(home)
    result = FeedResult(spec.table)
    specs = folder_specs(spec)
    first = specs[0] == spec
    # A removal cut short between its commit and its swaps is finished (or undone) first, so that
    # the delivered copies match the register (ingestion/redaction.py).
    redaction.finish_interrupted(con, layout, [spec.feed_path])
    # Erased records stay erased in a warehouse rebuilt from archive/: the register comes back first.
    redaction.restore_register(con, layout)
    # Rebuild first (ingestion/rebuild.py): delivered copies the register does not know, in their order.
    if first:
        for copy in unregistered_copies(con, home, spec.feed_path, lambda p: is_stranger(p, specs)):
            result.files.append(_refuse_stranger(con, layout, spec.feed_path, copy.path, specs, copy))
    own = unregistered_copies(
        con, home, spec.feed_path, lambda p: not p.is_symlink() and spec.file_date(p.name)
    )
    for batch in batches(own):
        result.files.extend(_ingest_batch(con, layout, spec, [c.path for c in batch], salt, batch))
    if first:
        for path in unknown_files(home, spec.feed_path, specs):
            result.files.append(_refuse_stranger(con, layout, spec.feed_path, path, specs))
    if paths := pending_files(home, spec, window):
        result.files.extend(_ingest_batch(con, layout, spec, paths, salt))
    return result


def _ingest_batch(
    con: duckdb.DuckDBPyConnection,
    layout: Layout,
    spec: FeedSpec,
    paths: list[Path],
    salt: str | None,
    archived: list[ArchivedCopy] | None = None,
) -> list[FileOutcome]:
    """Judge and load a feed's pending files together: one staging pass, one transaction.

    With `archived`, the paths are copies in archive/ or quarantine/ that a rebuild judges again:
    the same decisions, reports where the copies' reports belong, and no file moves.
    """
    work_dir = zone.clear_scratch(layout)
    deliveries = [Delivery(layout, spec.feed_path, p, zone.sha256_of(p), p.stat().st_size, []) for p in paths]
    for d, copy in zip(deliveries, archived or [], strict=False):
        d.archived, d.latest_copy = True, copy.latest
    view = RegisterView(con, spec, [d.sha256 for d in deliveries])
    outcomes: list[FileOutcome] = []
    pending: list[Delivery] = []
    for d in deliveries:
        d.history = view.history.get(d.name, [])
        if d.unchanged:
            outcomes.append(_set_aside_unchanged(d))
        else:
            pending.append(d)
    if not pending:
        return outcomes

    with BatchTables(con) as tables:
        verdicts = stage(tables, spec, {d.name: d.path for d in pending if d.size}, work_dir)
        suppressed = redaction.suppress(tables, spec, salt)
        counts = loader.check_rows(tables, spec)
        row_errors = loader.row_findings(tables, spec) if any(bad for _, bad in counts.values()) else {}
        resent = [d.name for d in pending if any(v.status in register.LOADED for v in d.history)]
        lost = {} if spec.counts_its_records else loader.keys_lost(tables, spec, resent)
        decisions = judge(spec, view, pending, verdicts, counts, row_errors, lost)
        for decision in decisions:
            write_report(decision, spec)
        loaded = [x for x in decisions if x.loaded]
        with _transaction(con):
            loader.write_rows(
                tables,
                spec,
                [
                    (
                        x.delivery.name,
                        x.delivery.sha256,
                        any(v.status in register.LOADED for v in x.delivery.history),
                    )
                    for x in loaded
                ],
            )
            _record(con, spec, decisions, suppressed.per_file)
    kept_at: list[Path] = []
    for x in decisions:
        d = x.delivery
        if d.archived:
            kept_at.append(d.path)
        elif x.loaded:
            zone.supersede(layout.archive, d.feed_path, d.name, d.sha256, d.history)
            kept_at.append(zone.move(d.path, layout.archive / d.feed_path))
        else:
            kept_at.append(zone.move(d.path, layout.quarantine / d.feed_path))
        outcomes.append(_outcome(x))
    if suppressed.ids:
        withheld = [path for path in kept_at if path.name in suppressed.files]
        redaction.redact_delivered(con, spec, withheld, suppressed.ids)
    return outcomes


def _outcome(x: Decision) -> FileOutcome:
    return FileOutcome(
        x.delivery.name,
        x.status,
        *x.rows,
        x.violation.check if x.violation else None,
        tuple(f.check for f in x.findings if f.severity == "warning"),
    )


def _set_aside_unchanged(d: Delivery) -> FileOutcome:
    """The same bytes as the name's latest version: the copy joins its twin, nothing is recorded."""
    area = d.layout.quarantine if d.latest.status == "quarantined" else d.layout.archive
    # A crash after the commit may have left the earlier version's copy on top.
    zone.supersede(area, d.feed_path, d.name, d.sha256, d.history)
    zone.move(d.path, area / d.feed_path)
    return FileOutcome(d.name, "unchanged", None, 0, 0)


def _refuse_stranger(
    con: duckdb.DuckDBPyConnection,
    layout: Layout,
    feed_path: str,
    path: Path,
    specs: list[FeedSpec],
    archived: ArchivedCopy | None = None,
) -> FileOutcome:
    """Refuse a file no feed of its folder takes (or a link), recording it like any other."""
    link = path.is_symlink()  # never opened: it could point anywhere
    d = Delivery(
        layout,
        feed_path,
        path,
        "" if link else zone.sha256_of(path),
        None if link else path.stat().st_size,
        register.versions_of(con, feed_path, path.name),
        archived=archived is not None,
        latest_copy=archived is None or archived.latest,
    )
    if d.unchanged:
        return _set_aside_unchanged(d)
    decision = refusal(d, None, stranger_violation(d, specs), [])
    write_report(decision, None)
    with _transaction(con):
        _record(con, None, [decision])
    if not d.archived:
        zone.move(path, layout.quarantine / feed_path)
    return _outcome(decision)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB transaction: committed at the end, rolled back on an error."""
    con.execute("begin transaction")
    try:
        yield
    except Exception:
        con.execute("rollback")
        raise
    con.execute("commit")


def _record(
    con: duckdb.DuckDBPyConnection,
    spec: FeedSpec | None,
    decisions: list[Decision],
    suppressed: dict[str, int] | None = None,
) -> None:
    """One `ops.file_register` row per decision and one `ops.ingestion_findings` row per finding;
    `suppressed` counts the records of erased people withheld from each file.

    The report of the version a decision supersedes has moved into superseded/: its row says where.
    """
    table = spec.table if spec else None
    for x in decisions:
        d, previous = x.delivery, x.delivery.latest
        if previous is not None:
            moved = zone.report_path(
                d.layout, d.feed_path, d.name, previous.version, previous.sha256, latest=False
            )
            register.move_report(con, d.feed_path, d.name, previous.version, str(moved))
    register.record(
        con,
        [
            register.FileRow(
                feed_path=x.delivery.feed_path,
                table_name=table,
                file_name=x.delivery.name,
                file_date=spec.file_date(x.delivery.name) if spec else None,
                sha256=x.delivery.sha256,
                bytes=x.delivery.size,
                version=x.delivery.version,
                status=x.status,
                rows_read=x.rows[0],
                rows_loaded=x.rows[1],
                rows_quarantined=x.rows[2],
                check_failed=x.violation.check if x.violation else None,
                message=x.violation.message if x.violation else None,
                report_path=str(x.report_path) if x.report_path else None,
                suppressed_by_erasure=(suppressed or {}).get(x.delivery.name),
            )
            for x in decisions
        ],
        [
            register.FindingRow(
                feed_path=x.delivery.feed_path,
                table_name=table,
                file_name=x.delivery.name,
                sha256=x.delivery.sha256,
                version=x.delivery.version,
                check_name=f.check,
                severity=f.severity,
                rows_affected=f.rows_affected,
                message=f.message,
            )
            for x in decisions
            for f in x.findings
        ],
    )
