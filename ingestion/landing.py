"""Landing-zone bookkeeping: find a feed's new files, load or refuse each, archive or quarantine it.

Every file ends in exactly one place: `archive/<feed path>/` once loaded (rows that broke the
contract sit in `ops.quarantined_rows`), or `quarantine/<feed path>/` untouched with a
`<file>.rejection.json` beside it. `ops.file_register` records each file's sha256 and row
counts, so that rows read = rows loaded + rows quarantined can be checked for every file.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.contract import FeedSpec
from ingestion.loader import ensure_tables, validate_and_load
from ingestion.rejection import ContractViolation, Finding, RejectionReport, mask_examples
from ingestion.sap_extract import stage_sap_extract

STAGERS = {"sap": stage_sap_extract}


@dataclass
class FileOutcome:
    file_name: str
    status: str  # loaded, loaded_with_quarantine, quarantined, unchanged
    rows_read: int | None
    rows_loaded: int
    rows_quarantined: int | None
    check_failed: str | None = None


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pending_files(home: Path, spec: FeedSpec) -> list[Path]:
    """The feed's complete files in landing (not `*.part`), oldest file date first."""
    folder = home / "landing" / spec.feed_path
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and spec.file_date(p.name) is not None]
    return sorted(files, key=lambda p: (spec.file_date(p.name), p.name))


def ingest_feed(con: duckdb.DuckDBPyConnection, home: Path, spec: FeedSpec) -> FeedResult:
    """Load every pending landing file of one feed."""
    ensure_tables(con, spec)
    result = FeedResult(spec.table)
    work_dir = home / "tmp"
    work_dir.mkdir(parents=True, exist_ok=True)
    for path in pending_files(home, spec):
        result.files.append(_ingest_file(con, home, spec, path, work_dir))
    return result


def _ingest_file(
    con: duckdb.DuckDBPyConnection, home: Path, spec: FeedSpec, path: Path, work_dir: Path
) -> FileOutcome:
    sha = sha256_of(path)
    size = path.stat().st_size
    known = con.execute(
        "select status, rows_read, rows_loaded, rows_quarantined from ops.file_register "
        "where file_name = ? and sha256 = ?",
        [path.name, sha],
    ).fetchone()
    if known is not None:  # the same bytes again: a no-op
        _move(path, home / ("quarantine" if known[0] == "quarantined" else "archive") / spec.feed_path)
        return FileOutcome(path.name, "unchanged", known[1], 0, 0)
    version = (
        1
        + con.execute("select count(*) from ops.file_register where file_name = ?", [path.name]).fetchone()[0]
    )

    try:
        if size == 0:
            raise ContractViolation("empty_file", "the file is empty (zero bytes)")
        header = STAGERS[spec.format](con, path, spec, work_dir)
        load = validate_and_load(con, spec, header, path.name, sha)
    except ContractViolation as violation:
        report = RejectionReport(
            file=path.name,
            feed=spec.feed_path,
            table=spec.table,
            sha256=sha,
            outcome="file_quarantined",
            rows_read=violation.rows_affected,
            rows_loaded=0,
            rows_quarantined=violation.rows_affected,
            findings=[
                Finding(
                    violation.check,
                    "error",
                    violation.message,
                    violation.rows_affected,
                    mask_examples(violation.examples, spec.personal_columns),
                )
            ],
        )
        target = home / "quarantine" / spec.feed_path
        _move(path, target)
        report_path = report.write(target / f"{path.name}.rejection.json")
        _register(
            con,
            spec,
            path,
            sha,
            size,
            version,
            "quarantined",
            violation.rows_affected,
            0,
            violation.rows_affected,
            violation.check,
            violation.message,
            report_path,
        )
        return FileOutcome(
            path.name, "quarantined", violation.rows_affected, 0, violation.rows_affected, violation.check
        )

    extra = [h for h in header if h not in {c.name for c in spec.columns}]
    findings = [
        Finding(f["check"], "error", f["message"], f["rows_affected"], f["examples"]) for f in load.findings
    ]
    if extra:
        findings.append(
            Finding(
                "extra_column",
                "warning",
                f"unknown column(s) {', '.join(extra)} ignored; the contract does not name them",
            )
        )
    report_path = None
    if findings:
        report = RejectionReport(
            file=path.name,
            feed=spec.feed_path,
            table=spec.table,
            sha256=sha,
            outcome="rows_quarantined" if load.rows_quarantined else "loaded_with_warnings",
            rows_read=load.rows_read,
            rows_loaded=load.rows_loaded,
            rows_quarantined=load.rows_quarantined,
            findings=findings,
        )
        folder = home / "quarantine" / spec.feed_path
        folder.mkdir(parents=True, exist_ok=True)
        report_path = report.write(folder / f"{path.name}.rejection.json")
    status = "loaded_with_quarantine" if load.rows_quarantined else "loaded"
    _register(
        con,
        spec,
        path,
        sha,
        size,
        version,
        status,
        load.rows_read,
        load.rows_loaded,
        load.rows_quarantined,
        None,
        None,
        report_path,
    )
    _move(path, home / "archive" / spec.feed_path)
    return FileOutcome(path.name, status, load.rows_read, load.rows_loaded, load.rows_quarantined)


def _register(con, spec, path, sha, size, version, status, read, loaded, quarantined, check, message, report):
    con.execute(
        """insert or replace into ops.file_register values
           (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)""",
        [
            spec.feed_path,
            spec.table,
            path.name,
            spec.file_date(path.name),
            sha,
            size,
            version,
            status,
            read,
            loaded,
            quarantined,
            check,
            message,
            str(report) if report else None,
        ],
    )


def _move(path: Path, folder: Path) -> None:
    """Move a landing file, untouched, into its final folder (replacing an older copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), folder / path.name)
