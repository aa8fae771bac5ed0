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
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ingestion.contract import FeedSpec
from ingestion.csv_file import stage_csv
from ingestion.excel_workbook import stage_xlsx
from ingestion.jsonl_file import stage_jsonl
from ingestion.loader import check_rows, ensure_tables, row_findings, write_rows
from ingestion.rejection import ContractViolation, Finding, RejectionReport, mask_examples
from ingestion.sap_extract import stage_sap_extract

STAGERS = {"sap": stage_sap_extract, "csv": stage_csv, "jsonl": stage_jsonl, "xlsx": stage_xlsx}
LOADED = ("loaded", "loaded_with_quarantine")


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


@dataclass(frozen=True)
class Version:
    """One row of `ops.file_register` for a file name."""

    version: int
    sha256: str
    status: str


@dataclass
class Delivery:
    """A landing file being processed, with what is already known about its name."""

    home: Path
    feed_path: str
    path: Path
    sha256: str
    size: int | None
    history: list[Version]

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
    """Complete files of one landing folder, in order of arrival (then name)."""
    folder = home / "landing" / feed_path
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if is_complete(p)]
    return sorted(files, key=lambda p: (p.lstat().st_mtime_ns, p.name))


def pending_files(home: Path, spec: FeedSpec) -> list[Path]:
    """The feed's files in landing, in order of arrival, so a late file is seen to be late."""
    return [p for p in landing_files(home, spec.feed_path) if not p.is_symlink() and spec.file_date(p.name)]


def folder_specs(spec: FeedSpec) -> list[FeedSpec]:
    """Every registered feed sharing this spec's landing folder (the spec alone if unregistered)."""
    from ingestion import FEEDS

    return [s for s in FEEDS if s.feed_path == spec.feed_path] or [spec]


def unknown_files(home: Path, feed_path: str, specs: list[FeedSpec]) -> list[Path]:
    """Files in a feed folder whose name matches none of its feeds (or that are links)."""
    return [
        p
        for p in landing_files(home, feed_path)
        if p.is_symlink() or not any(s.file_date(p.name) for s in specs)
    ]


def ingest_feed(con: duckdb.DuckDBPyConnection, home: Path, spec: FeedSpec) -> FeedResult:
    """Load every pending landing file of one feed; the folder's first feed also refuses strangers."""
    ensure_tables(con, spec)
    result = FeedResult(spec.table)
    specs = folder_specs(spec)
    if specs[0] == spec:
        for path in unknown_files(home, spec.feed_path, specs):
            result.files.append(_refuse_unknown(con, home, spec.feed_path, path, specs))
    work_dir = home / "tmp"
    work_dir.mkdir(parents=True, exist_ok=True)
    for path in pending_files(home, spec):
        result.files.append(_ingest_file(con, home, spec, path, work_dir))
    return result


def _history(con: duckdb.DuckDBPyConnection, feed_path: str, name: str) -> list[Version]:
    rows = con.execute(
        "select version, sha256, status from ops.file_register where feed_path = ? and file_name = ? "
        "order by version",
        [feed_path, name],
    ).fetchall()
    return [Version(*row) for row in rows]


def _delivery(con: duckdb.DuckDBPyConnection, home: Path, feed_path: str, path: Path) -> Delivery:
    link = path.is_symlink()  # never opened: it could point anywhere
    return Delivery(
        home,
        feed_path,
        path,
        "" if link else sha256_of(path),
        None if link else path.stat().st_size,
        _history(con, feed_path, path.name),
    )


def _unchanged(d: Delivery) -> FileOutcome | None:
    """The same bytes as the name's latest version: a no-op (the copy joins its twin)."""
    if d.latest is None or d.latest.sha256 != d.sha256 or not d.sha256:
        return None
    _move(d.path, d.home / ("quarantine" if d.latest.status == "quarantined" else "archive") / d.feed_path)
    return FileOutcome(d.name, "unchanged", None, 0, 0)


def _refuse_unknown(
    con: duckdb.DuckDBPyConnection, home: Path, feed_path: str, path: Path, specs: list[FeedSpec]
) -> FileOutcome:
    d = _delivery(con, home, feed_path, path)
    if (same := _unchanged(d)) is not None:
        return same
    if path.is_symlink():
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
    return _quarantine(con, d, None, violation, [], frozenset())


def _ingest_file(
    con: duckdb.DuckDBPyConnection, home: Path, spec: FeedSpec, path: Path, work_dir: Path
) -> FileOutcome:
    d = _delivery(con, home, spec.feed_path, path)
    if (same := _unchanged(d)) is not None:
        return same
    warnings: list[Finding] = []
    if d.latest is not None:
        warnings.append(
            Finding(
                "new_version",
                "warning",
                f"re-delivered with different content: version {d.version} replaces version "
                f"{d.latest.version} (sha256 {d.latest.sha256[:12]}), whose copy is kept under superseded/",
            )
        )
    if d.latest is None and (late := _late(con, spec, d.name)) is not None:
        warnings.append(late)
    try:
        original = _copy_of(con, spec, d)
        if original is not None:
            raise ContractViolation(
                "duplicate_file",
                f"byte-for-byte the same as `{original}`, already loaded: a copy under a new name "
                "would load its rows twice",
            )
        if d.size == 0:
            raise ContractViolation("empty_file", "the file is empty (zero bytes): the transfer failed")
        try:
            header = STAGERS[spec.format](con, path, spec, work_dir)
        except duckdb.Error as error:  # never echo the error text: it can quote the file's content
            raise ContractViolation(
                "unreadable", f"the file cannot be parsed as {spec.format} ({type(error).__name__})"
            ) from None
        rows_read, rows_bad = check_rows(con, spec, header)
    except ContractViolation as violation:
        return _quarantine(con, d, spec, violation, warnings, spec.personal_columns)

    findings = [
        Finding(f["check"], "error", f["message"], f["rows_affected"], f["examples"])
        for f in (row_findings(con, spec) if rows_bad else [])
    ]
    extra = [h for h in header if h not in {c.name for c in spec.columns}]
    if extra:
        warnings.append(
            Finding(
                "extra_column",
                "warning",
                f"unknown column(s) {', '.join(extra)} ignored; the contract does not name them",
            )
        )
    findings += warnings
    status = "loaded_with_quarantine" if rows_bad else "loaded"
    report_path = None
    if d.latest is not None:
        _supersede(d, "quarantine", d.latest)
    if findings:
        report = RejectionReport(
            file=d.name,
            feed=d.feed_path,
            table=spec.table,
            sha256=d.sha256,
            version=d.version,
            outcome="rows_quarantined" if rows_bad else "loaded_with_warnings",
            rows_read=rows_read,
            rows_loaded=rows_read - rows_bad,
            rows_quarantined=rows_bad,
            findings=findings,
        )
        report_path = report.write(_report_path(d))
    con.execute("begin transaction")
    try:
        write_rows(con, spec, d.name, d.sha256, replace=any(v.status in LOADED for v in d.history))
        _register(con, d, spec, status, (rows_read, rows_read - rows_bad, rows_bad), None, report_path)
        _record_findings(con, d, spec.table, findings)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    con.execute("drop table checked_rows")
    loaded_before = [v for v in d.history if v.status in LOADED]
    if loaded_before:
        _supersede(d, "archive", loaded_before[-1])
    _move(path, home / "archive" / d.feed_path)
    return FileOutcome(
        d.name, status, rows_read, rows_read - rows_bad, rows_bad, None, tuple(w.check for w in warnings)
    )


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    d: Delivery,
    spec: FeedSpec | None,
    violation: ContractViolation,
    warnings: list[Finding],
    personal: frozenset[str],
) -> FileOutcome:
    """Refuse the whole file: report beside it in quarantine/, register it, move it untouched."""
    findings = [
        Finding(
            violation.check,
            "error",
            violation.message,
            violation.rows_affected,
            mask_examples(violation.examples, personal),
        ),
        *warnings,
    ]
    if d.latest is not None:
        _supersede(d, "quarantine", d.latest)
    report = RejectionReport(
        file=d.name,
        feed=d.feed_path,
        table=spec.table if spec else None,
        sha256=d.sha256,
        version=d.version,
        outcome="file_quarantined",
        rows_read=None,
        rows_loaded=0,
        rows_quarantined=None,
        findings=findings,
    )
    report_path = report.write(_report_path(d))
    table = spec.table if spec else None
    con.execute("begin transaction")
    try:
        _register(con, d, spec, "quarantined", (None, 0, None), violation, report_path)
        _record_findings(con, d, table, findings)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    _move(d.path, d.home / "quarantine" / d.feed_path)
    return FileOutcome(
        d.name, "quarantined", None, 0, None, violation.check, tuple(w.check for w in warnings)
    )


def _copy_of(con: duckdb.DuckDBPyConnection, spec: FeedSpec, d: Delivery) -> str | None:
    """The name of an already loaded file this one duplicates under a new name, if any.

    Same bytes alone do not make a copy: files without records are alike by nature (a quiet day's
    header and trailer), and a snapshot that did not change since last period is a legitimate new
    snapshot. A copy is a byte-identical file with records in a feed whose rows accumulate (append,
    delta), or a second identical snapshot within the same cadence period (month, week, year).
    """
    rows = con.execute(
        """select file_name, table_name, file_date from ops.file_register
           where sha256 = ? and file_name <> ? and status in ('loaded', 'loaded_with_quarantine')
             and rows_read > 0
           order by processed_at""",
        [d.sha256, d.name],
    ).fetchall()
    file_date = spec.file_date(d.name)
    for name, table, other_date in rows:
        if table != spec.table or spec.load != "snapshot" or _same_period(spec, file_date, other_date):
            return name
    return None


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


def _late(con: duckdb.DuckDBPyConnection, spec: FeedSpec, name: str) -> Finding | None:
    """A warning when a later-dated file of the feed was loaded before this one."""
    file_date = spec.file_date(name)
    newest: date | None = con.execute(
        "select max(file_date) from ops.file_register where table_name = ? and status in "
        "('loaded', 'loaded_with_quarantine')",
        [spec.table],
    ).fetchone()[0]
    if newest is None or file_date is None or file_date >= newest:
        return None
    return Finding(
        "late_arrival",
        "warning",
        f"dated {file_date} but delivered after the file dated {newest} was loaded: loaded late; "
        "figures for the days it covers may change",
    )


def _report_path(d: Delivery) -> Path:
    return d.home / "quarantine" / d.feed_path / f"{d.name}.rejection.json"


def _supersede(d: Delivery, root: str, previous: Version) -> None:
    """Move an earlier version's copy (and report) out of the top level, into superseded/."""
    top = d.home / root / d.feed_path
    target = top / "superseded" / f"v{previous.version}-{previous.sha256[:12]}"
    for name in (d.name, f"{d.name}.rejection.json"):
        if (top / name).exists():
            _move(top / name, target)


def _register(
    con: duckdb.DuckDBPyConnection,
    d: Delivery,
    spec: FeedSpec | None,
    status: str,
    rows: tuple[int | None, int, int | None],
    violation: ContractViolation | None,
    report: Path | None,
) -> None:
    con.execute(
        """insert into ops.file_register
           (feed_path, table_name, file_name, file_date, sha256, bytes, version, status, rows_read,
            rows_loaded, rows_quarantined, check_failed, message, report_path, processed_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)""",
        [
            d.feed_path,
            spec.table if spec else None,
            d.name,
            spec.file_date(d.name) if spec else None,
            d.sha256,
            d.size,
            d.version,
            status,
            *rows,
            violation.check if violation else None,
            violation.message if violation else None,
            str(report) if report else None,
        ],
    )


def _record_findings(
    con: duckdb.DuckDBPyConnection, d: Delivery, table: str | None, findings: list[Finding]
) -> None:
    if findings:
        con.executemany(
            "insert into ops.ingestion_findings "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)",
            [
                [
                    d.feed_path,
                    table,
                    d.name,
                    d.sha256,
                    d.version,
                    f.check,
                    f.severity,
                    f.rows_affected,
                    f.message,
                ]
                for f in findings
            ],
        )


def _move(path: Path, folder: Path) -> None:
    """Move a landing file, untouched, into its final folder (replacing an older copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), folder / path.name)
