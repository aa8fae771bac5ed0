"""Landing-zone bookkeeping: find a feed's new files, load or refuse each, archive or quarantine it.

Every file ends in exactly one place: `archive/<feed path>/` once loaded (rows that broke the
contract sit in `ops.quarantined_rows`), or `quarantine/<feed path>/` untouched with a
`<file>.rejection.json` beside it. A loaded file with refused rows or warnings also gets its
report in `quarantine/<feed path>/` (the file itself is in archive/). When a file name is
re-delivered with new bytes, the copies of earlier versions move to
`<archive|quarantine>/<feed path>/superseded/v<version>-<sha256 prefix>/`, so the top level of
`archive/<feed path>/` always holds exactly the versions loaded in the raw tables (a rebuild
from it loads only the latest version of each file).

`ops.file_register` records every version of every file (sha256, status, row counts) and
`ops.ingestion_findings` every check that fired, so that rows read = rows loaded + rows
quarantined can be checked for every file and dbt can summarise data quality per file and check.
File names come only from directory listings and reach SQL only as parameters.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ingestion import register
from ingestion.contract import FeedSpec
from ingestion.csv_file import stage_csv
from ingestion.excel_workbook import stage_xlsx
from ingestion.jsonl_file import stage_jsonl
from ingestion.layout import Layout
from ingestion.loader import check_rows, create_landing_rows, ensure_tables, row_findings, write_rows
from ingestion.rebuild import ArchivedCopy, batches, unregistered_copies
from ingestion.register import LOADED, Version
from ingestion.rejection import ContractViolation, Finding, RejectionReport, mask_examples
from ingestion.sap_extract import stage_sap_extract

STAGERS = {"sap": stage_sap_extract, "csv": stage_csv, "jsonl": stage_jsonl, "xlsx": stage_xlsx}
# A file's record count against the median of the feed's last VOLUME_HISTORY loaded files with
# records (for daily feeds: of the same weekday): VOLUME_FACTOR times more or fewer is a warning
# (docs/reliability.md). Too little history, or a median under VOLUME_MIN_MEDIAN, is not judged.
VOLUME_HISTORY, VOLUME_MIN_HISTORY, VOLUME_MIN_MEDIAN, VOLUME_FACTOR = 8, 4, 20, 10


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


@dataclass
class Delivery:
    """A landing file being processed, with what is already known about its name."""

    layout: Layout
    feed_path: str
    path: Path
    sha256: str
    size: int | None
    history: list[Version]
    archived: bool = False  # a copy in archive/ or quarantine/ judged again by a rebuild: it stays put
    latest_copy: bool = True  # the newest copy of its name (its report is at the top of quarantine/)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def latest(self) -> Version | None:
        return self.history[-1] if self.history else None

    @property
    def version(self) -> int:
        return self.latest.version + 1 if self.latest else 1


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


# Days of the files a run takes: (first, last), either open (None). The nightly run and a backfill
# of daily partitions take one day or a range of days (orchestration/partitions.py).
DayWindow = tuple[date | None, date | None]
ALL_DAYS: DayWindow = (None, None)


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


def folder_specs(spec: FeedSpec) -> list[FeedSpec]:
    """Every registered feed sharing this spec's landing folder (the spec alone if unregistered)."""
    from ingestion import FEEDS

    return [s for s in FEEDS if s.feed_path == spec.feed_path] or [spec]


def _stranger(name: str, specs: list[FeedSpec]) -> bool:
    return not any(s.file_date(name) for s in specs)


def unknown_files(home: Path, feed_path: str, specs: list[FeedSpec]) -> list[Path]:
    """Files in a feed folder whose name matches none of its feeds (or that are links)."""
    return [
        p
        for p in landing_files(home, feed_path)
        if p.is_symlink() or not any(s.file_date(p.name) for s in specs)
    ]


def ingest_feed(
    con: duckdb.DuckDBPyConnection, home: Path, spec: FeedSpec, window: DayWindow = ALL_DAYS
) -> FeedResult:
    """Load the feed's pending landing files dated within `window`; the folder's first feed also
    refuses strangers. A rebuild restores every archived copy whatever the window: it restores
    what was already judged, it does not judge new deliveries."""
    ensure_tables(con, spec)
    result = FeedResult(spec.table)
    specs = folder_specs(spec)
    # Rebuild first (ingestion/rebuild.py): delivered copies the register does not know, in their order.
    if specs[0] == spec:
        strangers = unregistered_copies(
            con, home, spec.feed_path, lambda path: path.is_symlink() or _stranger(path.name, specs)
        )
        for copy in strangers:
            result.files.append(_refuse_unknown(con, home, spec.feed_path, copy.path, specs, copy))
    own = unregistered_copies(
        con, home, spec.feed_path, lambda path: not path.is_symlink() and spec.file_date(path.name)
    )
    for batch in batches(own):
        result.files.extend(_ingest_batch(con, home, spec, [c.path for c in batch], batch))
    if specs[0] == spec:
        for path in unknown_files(home, spec.feed_path, specs):
            result.files.append(_refuse_unknown(con, home, spec.feed_path, path, specs))
    paths = pending_files(home, spec, window)
    if paths:
        result.files.extend(_ingest_batch(con, home, spec, paths))
    return result


class RegisterView:
    """What the register already knows that decides a batch, kept up to date as files are judged."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: FeedSpec, shas: list[str]) -> None:
        self.spec = spec
        self.history = register.versions_by_name(con, spec.feed_path)
        self.loaded = register.loaded_with_content(con, shas)
        # Lateness is about delivery, not loading: a later-dated file refused before still came first.
        self.newest = register.newest_file_date(con, spec.table)
        self.volumes = register.loaded_volumes(con, spec.table, limit=400)

    def copy_of(self, d: Delivery) -> str | None:
        """The name of an already loaded file this one duplicates under a new name, if any.

        Same bytes alone do not make a copy: files without records are alike by nature (a quiet
        day's header and trailer), and a snapshot that did not change since last period is a
        legitimate new snapshot. A copy is a byte-identical file with records in a feed whose rows
        accumulate (append, delta), or a second identical snapshot within the same cadence period.
        """
        spec = self.spec
        file_date = spec.file_date(d.name)
        for name, table, other_date in self.loaded.get(d.sha256, []):
            if name == d.name:
                continue
            if table != spec.table or spec.load != "snapshot" or _same_period(spec, file_date, other_date):
                return name
        return None

    def late(self, d: Delivery) -> Finding | None:
        """A warning when a later-dated file of the feed was delivered before this one."""
        file_date = self.spec.file_date(d.name)
        if d.latest is not None or self.newest is None or file_date is None or file_date >= self.newest:
            return None
        return Finding(
            "late_arrival",
            "warning",
            f"dated {file_date} but delivered after the file dated {self.newest}: late; figures for "
            "the days it covers may change",
        )

    def volume(self, d: Delivery, rows_read: int) -> Finding | None:
        """A warning when a file holds VOLUME_FACTOR times more or fewer records than usual for the feed."""
        file_date = self.spec.file_date(d.name)
        daily = self.spec.cadence == "daily" and file_date is not None
        history = [
            n
            for day, n in self.volumes
            if not daily or (day is not None and day.weekday() == file_date.weekday())
        ][-VOLUME_HISTORY:]
        if rows_read == 0 or len(history) < VOLUME_MIN_HISTORY:
            return None
        median = statistics.median(history)
        if median < VOLUME_MIN_MEDIAN:
            return None
        files = f"the feed's last {len(history)} files" + (f" dated a {file_date:%A}" if daily else "")
        if rows_read >= VOLUME_FACTOR * median:
            return Finding(
                "volume_spike",
                "warning",
                f"{rows_read} records, {rows_read / median:.1f} times the median of {files} ({median:g}): "
                "check for duplicated or misdated records",
            )
        if rows_read * VOLUME_FACTOR <= median:
            return Finding(
                "volume_drop",
                "warning",
                f"{rows_read} records, {rows_read / median:.0%} of the median of {files} ({median:g}): "
                "check that the extract is complete",
            )
        return None

    def note(self, d: Delivery, rows_read: int | None) -> None:
        """Remember a judged delivery: its date for lateness; its bytes for copies and its volume if it
        loaded records."""
        file_date = self.spec.file_date(d.name)
        if rows_read:
            self.loaded.setdefault(d.sha256, []).append((d.name, self.spec.table, file_date))
            self.volumes.append((file_date, rows_read))
        if file_date is not None and (self.newest is None or file_date > self.newest):
            self.newest = file_date


def _same_period(spec: FeedSpec, a: date | None, b: date | None) -> bool:
    if a is None or b is None:
        return True
    if spec.cadence == "weekly":
        return abs((a - b).days) < 7
    if spec.cadence == "monthly":
        return (a.year, a.month) == (b.year, b.month)
    if spec.cadence == "yearly":
        return a.year == b.year
    return a == b


@dataclass
class Decision:
    """How one delivery of a batch ends, before anything is written."""

    delivery: Delivery
    status: str  # loaded, loaded_with_quarantine, quarantined
    rows: tuple[int | None, int, int | None]  # read, loaded, quarantined
    findings: list[Finding]
    violation: ContractViolation | None = None
    report_path: Path | None = None


def _ingest_batch(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    spec: FeedSpec,
    paths: list[Path],
    archived: list[ArchivedCopy] | None = None,
) -> list[FileOutcome]:
    """Judge and load a feed's pending files together: one staging pass, one transaction.

    With `archived`, the paths are copies in archive/ or quarantine/ that a rebuild judges again:
    the same decisions, reports where the copies' reports belong, and no file moves.
    """
    layout = Layout(home)
    work_dir = layout.tmp
    work_dir.mkdir(parents=True, exist_ok=True)
    for stale in work_dir.glob("*.utf8"):  # decoded copies a crashed run left (one writer at a time)
        stale.unlink()
    deliveries = [Delivery(layout, spec.feed_path, p, sha256_of(p), p.stat().st_size, []) for p in paths]
    for d, copy in zip(deliveries, archived or [], strict=False):
        d.archived, d.latest_copy = True, copy.latest
    view = RegisterView(con, spec, [d.sha256 for d in deliveries])
    outcomes: list[FileOutcome] = []
    pending: list[Delivery] = []
    for d in deliveries:
        d.history = view.history.get(d.name, [])
        if (same := _unchanged(d)) is not None:
            outcomes.append(same)
        else:
            pending.append(d)
    if not pending:
        return outcomes

    verdicts = _stage(con, spec, {d.name: d.path for d in pending if d.size}, work_dir)
    counts = check_rows(con, spec)
    findings_by_file = row_findings(con, spec) if any(bad for _, bad in counts.values()) else {}
    decisions = []
    for d in pending:  # in order of arrival: what loads first is the original, what comes later is late
        warnings = _new_version(d)
        if (late := view.late(d)) is not None:
            warnings.append(late)
        verdict = verdicts.get(d.name) if d.size else _EMPTY
        if not isinstance(verdict, ContractViolation) and (original := view.copy_of(d)) is not None:
            verdict = ContractViolation(
                "duplicate_file",
                f"byte-for-byte the same as `{original}`, already loaded: a copy under a new name "
                "would load its rows twice",
            )
        if isinstance(verdict, ContractViolation):
            decisions.append(_refusal(d, spec, verdict, warnings))
            view.note(d, None)
            continue
        extra = [h for h in verdict if h not in {c.name for c in spec.columns}]
        if extra:
            warnings.append(
                Finding(
                    "extra_column",
                    "warning",
                    f"unknown column(s) {', '.join(extra)} ignored; the contract does not name them",
                )
            )
        read, bad = counts.get(d.name, (0, 0))
        if (volume := view.volume(d, read)) is not None:
            warnings.append(volume)
        errors = [
            Finding(f["check"], "error", f["message"], f["rows_affected"], f["examples"])
            for f in findings_by_file.get(d.name, [])
        ]
        status = "loaded_with_quarantine" if bad else "loaded"
        decisions.append(Decision(d, status, (read, read - bad, bad), errors + warnings))
        view.note(d, read)

    for decision in decisions:
        _write_report(decision, spec)
    loaded = [x for x in decisions if x.status in LOADED]
    con.execute("begin transaction")
    try:
        write_rows(
            con,
            spec,
            [
                (x.delivery.name, x.delivery.sha256, any(v.status in LOADED for v in x.delivery.history))
                for x in loaded
            ],
        )
        _register(con, spec, decisions)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    con.execute("drop table checked_rows")
    for x in decisions:
        d = x.delivery
        if d.archived:
            pass
        elif x.status in LOADED:
            _supersede(d, layout.archive)
            _move(d.path, layout.archive / d.feed_path)
        else:
            _move(d.path, layout.quarantine / d.feed_path)
        outcomes.append(
            FileOutcome(
                d.name,
                x.status,
                *x.rows,
                x.violation.check if x.violation else None,
                tuple(f.check for f in x.findings if f.severity == "warning"),
            )
        )
    return outcomes


_EMPTY = ContractViolation("empty_file", "the file is empty (zero bytes): the transfer failed")


def _stage(
    con: duckdb.DuckDBPyConnection, spec: FeedSpec, files: dict[str, Path], work_dir: Path
) -> dict[str, list[str] | ContractViolation]:
    """Stage the batch in one pass; if DuckDB chokes on some file, stage file by file to find it."""
    stager = STAGERS[spec.format]
    create_landing_rows(con, spec)
    try:
        return stager(con, files, spec, work_dir) if files else {}
    except duckdb.Error:
        create_landing_rows(con, spec)
    verdicts: dict[str, list[str] | ContractViolation] = {}
    for name, path in files.items():
        try:
            verdicts.update(stager(con, {name: path}, spec, work_dir))
        except duckdb.Error as error:  # never echo the error text: it can quote the file's content
            con.execute("delete from landing_rows where _source_file = ?", [name])
            verdicts[name] = ContractViolation(
                "unreadable", f"the file cannot be parsed as {spec.format} ({type(error).__name__})"
            )
    return verdicts


def _new_version(d: Delivery) -> list[Finding]:
    if d.latest is None:
        return []
    return [
        Finding(
            "new_version",
            "warning",
            f"re-delivered with different content: version {d.version} replaces version "
            f"{d.latest.version} (sha256 {d.latest.sha256[:12]}), whose copy is kept under superseded/",
        )
    ]


def _refusal(
    d: Delivery, spec: FeedSpec | None, violation: ContractViolation, warnings: list[Finding]
) -> Decision:
    personal = spec.personal_columns if spec else frozenset()
    error = Finding(
        violation.check,
        "error",
        violation.message,
        violation.rows_affected,
        mask_examples(violation.examples, personal),
    )
    return Decision(d, "quarantined", (None, 0, None), [error, *warnings], violation)


def _write_report(x: Decision, spec: FeedSpec | None) -> None:
    """Move an earlier version's report aside, then write this version's report if it has findings."""
    d = x.delivery
    if not d.archived:
        _supersede(d, d.layout.quarantine)
    if not x.findings:
        return
    read, loaded, quarantined = x.rows
    if x.status == "quarantined":
        outcome = "file_quarantined"
    else:
        outcome = "rows_quarantined" if quarantined else "loaded_with_warnings"
    report = RejectionReport(
        file=d.name,
        feed=d.feed_path,
        table=spec.table if spec else None,
        sha256=d.sha256,
        version=d.version,
        outcome=outcome,
        rows_read=read,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        findings=x.findings,
    )
    x.report_path = report.write(_report_path(d))


def _unchanged(d: Delivery) -> FileOutcome | None:
    """The same bytes as the name's latest version: a no-op (the copy joins its twin)."""
    if d.archived or d.latest is None or d.latest.sha256 != d.sha256 or not d.sha256:
        return None
    area = d.layout.quarantine if d.latest.status == "quarantined" else d.layout.archive
    _supersede(d, area)  # a crash after the commit may have left the earlier version's copy on top
    _move(d.path, area / d.feed_path)
    return FileOutcome(d.name, "unchanged", None, 0, 0)


def _refuse_unknown(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    feed_path: str,
    path: Path,
    specs: list[FeedSpec],
    archived: ArchivedCopy | None = None,
) -> FileOutcome:
    link = path.is_symlink()  # never opened: it could point anywhere
    layout = Layout(home)
    d = Delivery(
        layout,
        feed_path,
        path,
        "" if link else sha256_of(path),
        None if link else path.stat().st_size,
        register.versions_of(con, feed_path, path.name),
        archived=archived is not None,
        latest_copy=archived is None or archived.latest,
    )
    if (same := _unchanged(d)) is not None:
        return same
    if link:
        violation = ContractViolation(
            "not_a_regular_file", "a link, not a file: links are never followed in the landing zone"
        )
    elif any(s.name_pattern.match(d.name) for s in specs):
        violation = ContractViolation("unknown_file", "the date in the file name is not a calendar date")
    else:
        expected = ", ".join(f"{s.file_prefix}<date>{s.extension}" for s in specs)
        violation = ContractViolation(
            "unknown_file", f"the file name matches no feed of `{feed_path}`; expected {expected}"
        )
    decision = _refusal(d, None, violation, [])
    _write_report(decision, None)
    con.execute("begin transaction")
    try:
        _register(con, None, [decision])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    if not d.archived:
        _move(path, layout.quarantine / feed_path)
    return FileOutcome(d.name, "quarantined", None, 0, None, violation.check)


def _report_path(d: Delivery) -> Path:
    top = d.layout.quarantine / d.feed_path
    if not d.latest_copy:  # an earlier version judged again by a rebuild: its report is set aside
        return Layout.superseded(top, version_folder(d.version, d.sha256)) / report_name(d.name)
    return top / report_name(d.name)


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


def _supersede(d: Delivery, area: Path) -> None:
    """Move the copy and report of earlier versions of d's name out of the top level, into superseded/.

    Judged by content, not by which version the register says came last: after a crash the top
    level may still hold an earlier version's copy that the crashed run had not set aside, or this
    very version's report, written before the crash (it is rewritten). A report of bytes the register
    never took (their run crashed before its commit) is stale and goes; a file is never deleted.
    """
    top = area / d.feed_path
    (top / f"{report_name(d.name)}.part").unlink(missing_ok=True)
    for name in (d.name, report_name(d.name)):
        path = top / name
        if not path.is_file():
            continue
        sha = sha256_of(path) if name == d.name else _report_sha256(path)
        if sha == d.sha256:
            continue
        version = next((v.version for v in d.history if v.sha256 == sha), None)
        if version is None and name != d.name:
            path.unlink()
            continue
        folder = version_folder(version, sha) if version is not None else f"unregistered-{sha[:12]}"
        _move(path, Layout.superseded(top, folder))


def _report_sha256(path: Path) -> str | None:
    """The sha256 of the file version a report is about (None if it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("sha256")
    except (ValueError, OSError):
        return None


def _register(con: duckdb.DuckDBPyConnection, spec: FeedSpec | None, decisions: list[Decision]) -> None:
    """One `ops.file_register` row per decision and one `ops.ingestion_findings` row per finding.

    The report of the version a decision supersedes has moved into superseded/: its row says where.
    """
    table = spec.table if spec else None
    for x in decisions:
        d, previous = x.delivery, x.delivery.latest
        if previous is not None:
            folder = Layout.superseded(
                d.layout.quarantine / d.feed_path, version_folder(previous.version, previous.sha256)
            )
            register.move_report(
                con, d.feed_path, d.name, previous.version, str(folder / report_name(d.name))
            )
    register.record(
        con,
        [
            {
                "feed_path": x.delivery.feed_path,
                "table_name": table,
                "file_name": x.delivery.name,
                "file_date": spec.file_date(x.delivery.name) if spec else None,
                "sha256": x.delivery.sha256,
                "bytes": x.delivery.size,
                "version": x.delivery.version,
                "status": x.status,
                "rows_read": x.rows[0],
                "rows_loaded": x.rows[1],
                "rows_quarantined": x.rows[2],
                "check_failed": x.violation.check if x.violation else None,
                "message": x.violation.message if x.violation else None,
                "report_path": str(x.report_path) if x.report_path else None,
            }
            for x in decisions
        ],
        [
            {
                "feed_path": x.delivery.feed_path,
                "table_name": table,
                "file_name": x.delivery.name,
                "sha256": x.delivery.sha256,
                "version": x.delivery.version,
                "check_name": f.check,
                "severity": f.severity,
                "rows_affected": f.rows_affected,
                "message": f.message,
            }
            for x in decisions
            for f in x.findings
        ],
    )


def _move(path: Path, folder: Path) -> None:
    """Move a landing file, untouched, into its final folder (replacing an older copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), folder / path.name)
