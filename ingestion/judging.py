"""Judging deliveries: what becomes of each file of a batch, decided before anything is written.

A file is loaded (perhaps with refused rows), refused whole, or unchanged (the same bytes as its
name's latest version). Warnings (a new version of a name, a late file, an unusual volume, an extra
column) never refuse a file; they go into its report and `ops.ingestion_findings`. What the
register already knows (earlier versions, loaded copies, the feed's newest date and its usual
volumes) is read once per batch into a `RegisterView` and kept up to date as files are judged.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from ingestion import register, zone
from ingestion.contract import FeedSpec
from ingestion.layout import Layout
from ingestion.register import LOADED, Version
from ingestion.rejection import ContractViolation, Finding, RejectionReport, mask_examples

# A file's record count against the median of the feed's last VOLUME_HISTORY loaded files with
# records (for daily feeds: of the same weekday): VOLUME_FACTOR times more or fewer is a warning
# (docs/reliability.md). Too little history, or a median under VOLUME_MIN_MEDIAN, is not judged.
VOLUME_HISTORY, VOLUME_MIN_HISTORY, VOLUME_MIN_MEDIAN, VOLUME_FACTOR = 8, 4, 20, 10
EMPTY = ContractViolation("empty_file", "the file is empty (zero bytes): the transfer failed")


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
    def loaded_version(self) -> Version | None:
        """The version of this name the warehouse holds (the latest loaded one, as
        register.latest_loaded_files): a later version refused whole replaces nothing."""
        return next((v for v in reversed(self.history) if v.status in LOADED), None)

    @property
    def version(self) -> int:
        return self.latest.version + 1 if self.latest else 1

    @property
    def unchanged(self) -> bool:
        """The same bytes as the name's latest version: a no-op (the copy joins its twin)."""
        return (
            not self.archived
            and self.latest is not None
            and bool(self.sha256)
            and self.latest.sha256 == self.sha256
        )


@dataclass
class Decision:
    """How one delivery of a batch ends, before anything is written."""

    delivery: Delivery
    status: str  # loaded, loaded_with_quarantine, quarantined
    rows: tuple[int | None, int, int | None]  # read, loaded, quarantined
    findings: list[Finding]
    violation: ContractViolation | None = None
    report_path: Path | None = None

    @property
    def loaded(self) -> bool:
        return self.status in LOADED


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


def judge(
    spec: FeedSpec,
    view: RegisterView,
    pending: list[Delivery],
    verdicts: dict[str, list[str] | ContractViolation],
    counts: dict[str, tuple[int, int]],
    row_errors: dict[str, list[dict]],
    lost: dict[str, int] | None = None,
) -> list[Decision]:
    """Decide every pending delivery of a batch, in order of arrival: what loads first is the
    original, what comes later is late or a copy.

    `verdicts` are the readers' (a header, or why the file is unreadable), `counts` the rows read
    and refused per file, `row_errors` the refused rows grouped by check, `lost` the keys of a loaded
    earlier version a re-delivery would not load again (feeds without a trailer, loader.keys_lost).
    """
    decisions = []
    for d in pending:
        verdict = verdicts.get(d.name) if d.size else EMPTY
        if not isinstance(verdict, ContractViolation) and (original := view.copy_of(d)) is not None:
            verdict = ContractViolation(
                "duplicate_file",
                f"byte-for-byte the same as `{original}`, already loaded: a copy under a new name "
                "would load its rows twice",
            )
        if not isinstance(verdict, ContractViolation) and (lost or {}).get(d.name):
            verdict = _records_lost(d, spec, lost[d.name])
        warnings = _new_version(d, refused=isinstance(verdict, ContractViolation))
        if (late := view.late(d)) is not None:
            warnings.append(late)
        if isinstance(verdict, ContractViolation):
            decisions.append(refusal(d, spec, verdict, warnings))
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
            for f in row_errors.get(d.name, [])
        ]
        status = "loaded_with_quarantine" if bad else "loaded"
        decisions.append(Decision(d, status, (read, read - bad, bad), errors + warnings))
        view.note(d, read)
    return decisions


def _records_lost(d: Delivery, spec: FeedSpec, n: int) -> ContractViolation:
    """A re-delivery without a trailer that would drop records its loaded version holds: a file cut
    short looks exactly like that, so it never silently replaces the loaded version."""
    loaded = d.loaded_version.version  # lost keys are counted against a loaded version: there is one
    return ContractViolation(
        "records_lost",
        f"{spec.feed_path} file {d.name}, version {d.version}: {n} {'/'.join(spec.keys)} value(s) of the "
        f"loaded version {loaded} are missing, cut short or refused in it; a file without a trailer "
        f"cannot show it is whole, so version {loaded} stays loaded",
        rows_affected=n,
    )


def _new_version(d: Delivery, refused: bool) -> list[Finding]:
    """A re-delivery says what it replaces; a refused one replaces nothing, so it names the loaded
    version that stays (the latest loaded one, as register.latest_loaded_files), if any."""
    if d.latest is None:
        return []
    if not refused:
        message = (
            f"re-delivered with different content: version {d.version} replaces version "
            f"{d.latest.version} (sha256 {d.latest.sha256[:12]}), whose copy is kept under superseded/"
        )
    elif loaded := d.loaded_version:
        message = (
            f"re-delivered with different content as version {d.version}, which is refused and replaces "
            f"nothing: version {loaded.version} (sha256 {loaded.sha256[:12]}) stays loaded"
        )
    else:
        message = (
            f"re-delivered with different content as version {d.version}, which is refused: no version "
            "of this file name is loaded"
        )
    return [Finding("new_version", "warning", message)]


def refusal(
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


def stranger_violation(d: Delivery, specs: list[FeedSpec]) -> ContractViolation:
    """Why a file of a feed folder that no feed of it takes is refused."""
    if d.path.is_symlink():
        return ContractViolation(
            "not_a_regular_file", "a link, not a file: links are never followed in the landing zone"
        )
    if any(s.name_pattern.match(d.name) for s in specs):
        return ContractViolation("unknown_file", "the date in the file name is not a calendar date")
    expected = ", ".join(f"{s.file_prefix}<date>{s.extension}" for s in specs)
    return ContractViolation(
        "unknown_file", f"the file name matches no feed of `{d.feed_path}`; expected {expected}"
    )


def write_report(x: Decision, spec: FeedSpec | None) -> None:
    """Move an earlier version's report aside, then write this version's report if it has findings."""
    d = x.delivery
    if not d.archived:
        zone.supersede(d.layout.quarantine, d.feed_path, d.name, d.sha256, d.history)
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
    path = zone.report_path(d.layout, d.feed_path, d.name, d.version, d.sha256, d.latest_copy)
    x.report_path = report.write(path)
