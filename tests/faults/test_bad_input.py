"""The bad-input matrix: every case of docs/reliability.md on every feed it applies to.

Each case writes a file generated from the feed's contract (feed_files), breaks it one way, ingests
the feed and asserts the outcome: where the file ends up, its status in the register, the check its
report names, and the rows loaded - so nothing crashes and nothing is silently dropped. The cases
that only Great Expectations judges (dates out of range, negative amounts outside SAP) and the huge
line are in test_bad_input_slow.py.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from feed_files import ABSURD_AMOUNT, AMOUNT_TYPES, DATE_TYPES, NOT_A_DATE, FeedFile, file_name, next_period
from ingestion_files import report

from ingestion import FEEDS, excel_workbook
from ingestion.contract import FeedSpec
from ingestion.landing import FileOutcome, ingest_feed

DAY = date(2025, 4, 1)
ALL = ("sap", "csv", "jsonl", "xlsx")
TEXT = ("sap", "csv", "jsonl")


@dataclass(frozen=True)
class Outcome:
    status: str  # loaded, loaded_with_quarantine, quarantined
    checks: tuple[str, ...] = ()  # one of these must be in the file's report (none: no report)
    rows_loaded: int = 0
    message: str = ""  # a fragment of the finding's message


@dataclass(frozen=True)
class Case:
    formats: tuple[str, ...]
    build: Callable[[Path, FeedSpec, duckdb.DuckDBPyConnection], tuple[str, Outcome]]
    applies: Callable[[FeedSpec], bool] = lambda spec: True


def ingest(con: duckdb.DuckDBPyConnection, home: Path, spec: FeedSpec) -> list[FileOutcome]:
    return ingest_feed(con, home, spec).files


def deliver_in_order(paths: list[Path]) -> None:
    """Modification times one second apart: the files arrived in this order."""
    for i, path in enumerate(paths):
        stamp = 1_700_000_000 + i
        os.utime(path, (stamp, stamp))


def has_type(spec: FeedSpec, types: tuple[str, ...]) -> bool:
    return any(c.type in types for c in spec.columns)


# --- the cases ---------------------------------------------------------------------------------


def valid(home, spec, con):
    FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded", rows_loaded=3)


def zero_byte(home, spec, con):
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    path.write_bytes(b"")
    return name, Outcome("quarantined", ("empty_file",), message="empty")


def quiet_day(home, spec, con):
    """A day without records: IBC header and `TRL|0|0`, CSV or Excel header only, JSON lines one `\\n`."""
    FeedFile.valid(spec, n=0).write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded", rows_loaded=0)


def header_without_trailer(home, spec, con):
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    path.write_bytes(path.read_bytes().split(b"\r\n")[0] + b"\r\n")
    return name, Outcome("quarantined", ("missing_trailer",), message="truncated")


def truncated_last_line(home, spec, con):
    """The transfer stopped in the middle of the last line (for IBC files: the trailer is lost)."""
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    data = path.read_bytes()
    if spec.format == "sap":
        data = data[: data.rindex(b"TRL|")]
    path.write_bytes(data[: len(data) - 12])
    expected = {
        "sap": Outcome("quarantined", ("missing_trailer",), message="truncated"),
        "csv": Outcome("loaded_with_quarantine", ("malformed_csv", "field_count"), rows_loaded=2),
        "jsonl": Outcome("loaded_with_quarantine", ("malformed_json",), rows_loaded=2),
        "xlsx": Outcome("quarantined", ("not_a_workbook",)),
    }
    return name, expected[spec.format]


def wrong_trailer_count(home, spec, con):
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    path.write_bytes(path.read_bytes().replace(b"TRL|3|", b"TRL|4|"))
    return name, Outcome("quarantined", ("trailer_count",), message="declares 4 records but the file holds 3")


def wrong_trailer_total(home, spec, con):
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    lines = path.read_bytes().split(b"\r\n")
    lines[-2] = b"TRL|3|1.00"
    path.write_bytes(b"\r\n".join(lines))
    return name, Outcome("quarantined", ("trailer_total",), message="control total 1.00")


def malformed_trailer(home, spec, con):
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    lines = path.read_bytes().split(b"\r\n")
    lines[-2] = b"TRL|three|0"
    path.write_bytes(b"\r\n".join(lines))
    return name, Outcome("quarantined", ("trailer",), message="malformed")


def wrong_encoding(home, spec, con):
    """IBC: a byte Windows-1252 leaves undefined; CSV and JSON lines: Windows-1252 where UTF-8 is due;
    Excel: a text file under a workbook's name."""
    f = FeedFile.valid(spec)
    text_column = (
        next(c.name for c in spec.columns if c.type == "text") if has_type(spec, ("text",)) else None
    )
    path = f.write(home, name := file_name(spec, DAY))
    if spec.format == "xlsx":
        path.write_bytes("workstream;financial_year\n£;2020/21\n".encode("cp1252"))
        return name, Outcome("quarantined", ("not_a_workbook",))
    data = path.read_bytes()
    bad = (
        b"\x81" if spec.format == "sap" else b"\xa3"
    )  # 0x81: undefined in 1252; 0xA3: the pound sign in 1252
    needle = (f.rows[0][f.column(text_column)] if text_column else f.rows[0][0]).encode()
    path.write_bytes(data.replace(needle, needle + bad, 1))
    return name, Outcome("quarantined", ("encoding",), message="byte 0x")


def renamed_column(home, spec, con):
    f = FeedFile.valid(spec)
    old = spec.required_columns[0]
    f.header[f.column(old)] = f"{old}2"
    f.write(home, name := file_name(spec, DAY))
    return name, Outcome("quarantined", ("missing_column",), message=f"probably renamed: {old} -> {old}2")


def missing_column(home, spec, con):
    f = FeedFile.valid(spec)
    gone = f.column(spec.required_columns[-1])
    f.header.pop(gone)
    for row in f.rows:
        row.pop(gone)
    f.write(home, name := file_name(spec, DAY))
    return name, Outcome("quarantined", ("missing_column",), message=spec.required_columns[-1])


def extra_column(home, spec, con):
    f = FeedFile.valid(spec)
    f.header.append("ZEXTRA")
    for row in f.rows:
        row.append("extra")
    f.write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded", ("extra_column",), rows_loaded=3, message="ZEXTRA")


def wrong_delimiter(home, spec, con):
    if spec.format == "sap":  # `;` throughout, so even the trailer is not `TRL|..`
        FeedFile.valid(spec).write(home, name := file_name(spec, DAY), delimiter=";")
        return name, Outcome("quarantined", ("trailer",))
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    path.write_bytes(path.read_bytes().replace(b'","', b'";"'))
    return name, Outcome("quarantined", ("delimiter",), message="';'")


def not_a_date(home, spec, con):
    f = FeedFile.valid(spec)
    f.set_all(DATE_TYPES, NOT_A_DATE)
    f.write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded_with_quarantine", ("type",), rows_loaded=2)


def negative_sap_amount(home, spec, con):
    f = FeedFile.valid(spec)
    f.set_all(("sap_amount",), "-155.22")
    f.write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded_with_quarantine", ("signed_amount",), rows_loaded=2, message="SHKZG")


def absurd_amount(home, spec, con):
    f = FeedFile.valid(spec)
    f.set_all(AMOUNT_TYPES, ABSURD_AMOUNT)
    f.write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded_with_quarantine", ("type",), rows_loaded=2)


def duplicated_rows(home, spec, con):
    f = FeedFile.valid(spec)
    f.rows.append(list(f.rows[0]))
    f.write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded_with_quarantine", ("duplicate_row",), rows_loaded=3)


def malformed_record(home, spec, con):
    """IBC: a line with a stray `|`; CSV: an unterminated quote; JSON lines: not JSON."""
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    lines = path.read_bytes().split(b"\r\n" if spec.format == "sap" else b"\n")
    if spec.format == "sap":
        lines[2] = lines[2] + b"|stray"
        check = "field_count"
    elif spec.format == "csv":  # on the last record: an open quote swallows the lines after it
        lines[-2] = lines[-2] + b',"unterminated'
        check = "malformed_csv"
    else:
        lines[1] = b'{"call_id": "1", not json'
        check = "malformed_json"
    path.write_bytes((b"\r\n" if spec.format == "sap" else b"\n").join(lines))
    return name, Outcome("loaded_with_quarantine", (check, "field_count"), rows_loaded=2)


def _with_long_line(home, spec, size: int) -> str:
    """A valid file with one more line of `size` bytes, no delimiter in it, before its last record."""
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    end = b"\r\n" if spec.format == "sap" else b"\n"
    lines = path.read_bytes().split(end)
    lines.insert(2, b"A" * size)
    data = end.join(lines)
    path.write_bytes(data.replace(b"TRL|3|", b"TRL|4|") if spec.format == "sap" else data)
    return name


def huge_line(home, spec, con):
    """A zip-bomb-like line (9 MB): refused before it is parsed, never held in memory whole."""
    name = _with_long_line(home, spec, 9 << 20)
    return name, Outcome("quarantined", ("line_too_long",), message="line 3 is longer than 8 MB")


def long_line(home, spec, con):
    """A 3 MB line (over DuckDB's 2 MB CSV line limit, under the 8 MB file limit): one refused row."""
    name = _with_long_line(home, spec, 3 << 20)
    checks = {"sap": "field_count", "csv": "malformed_csv", "jsonl": "malformed_json"}[spec.format]
    return name, Outcome("loaded_with_quarantine", (checks, "field_count"), rows_loaded=3)


def zip_bomb(home, spec, con):
    """A workbook of a few hundred kilobytes that would unpack to 65 MB."""
    path = FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(65 << 20))
    return name, Outcome("quarantined", ("too_large",), message="unpacks to 65 MB")


def duplicate_file_new_name(home, spec, con):
    """The bytes of a loaded file again under another name: a copy for feeds whose rows accumulate and
    for a second snapshot within the period; a yearly budget can only be copied into another year,
    where an unchanged snapshot is a legitimate new snapshot."""
    original = FeedFile.valid(spec).write(home, file_name(spec, DAY))
    ingest(con, home, spec)
    same_period = DAY.replace(day=15) if spec.cadence in ("monthly", "weekly") else DAY.replace(day=2)
    # A file named by its month (purchase cards) can only be copied under another month's name.
    other_name = spec.cadence == "yearly" or spec.date_format == "YYYYMM"
    copy_day = next_period(spec, DAY) if other_name else same_period
    copy = original.parent / file_name(spec, copy_day)
    copy.write_bytes((home / "archive" / spec.feed_path / original.name).read_bytes())
    if spec.cadence == "yearly":
        return copy.name, Outcome("loaded", rows_loaded=3)
    return copy.name, Outcome("quarantined", ("duplicate_file",), message=original.name)


def corrected_resend(home, spec, con):
    FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    ingest(con, home, spec)
    corrected = FeedFile.valid(spec, n=4)
    corrected.write(home, name)
    return name, Outcome("loaded", ("new_version",), rows_loaded=4, message="version 2 replaces version 1")


def late_file(home, spec, con):
    """A file for a day whose later days were delivered (and published) already."""
    FeedFile.valid(spec, first=10).write(home, file_name(spec, next_period(spec, DAY)))
    ingest(con, home, spec)
    FeedFile.valid(spec).write(home, name := file_name(spec, DAY))
    return name, Outcome("loaded", ("late_arrival",), rows_loaded=3, message="late")


def _volume(home, spec, con, rows: int) -> str:
    """Six files of 30 records (a daily feed's on the same weekday), then one of `rows` records."""
    step = 7 if spec.cadence == "daily" else 1
    history = [
        FeedFile.valid(spec, n=30, first=100 * i).write(
            home, file_name(spec, next_period(spec, DAY, step * i))
        )
        for i in range(6)
    ]
    deliver_in_order(history)
    ingest(con, home, spec)
    name = file_name(spec, next_period(spec, DAY, step * 6))
    FeedFile.valid(spec, n=rows, first=1000).write(home, name)
    return name


def volume_spike(home, spec, con):
    name = _volume(home, spec, con, rows=300)
    return name, Outcome("loaded", ("volume_spike",), 300, message="10.0 times the median")


def volume_drop(home, spec, con):
    name = _volume(home, spec, con, rows=2)
    return name, Outcome("loaded", ("volume_drop",), 2, message="7% of the median")


CASES = {
    "valid": Case(ALL, valid),
    "zero_byte": Case(ALL, zero_byte),
    "quiet_day": Case(ALL, quiet_day),
    "header_without_trailer": Case(("sap",), header_without_trailer),
    "truncated_last_line": Case(ALL, truncated_last_line),
    "wrong_trailer_count": Case(("sap",), wrong_trailer_count),
    "wrong_trailer_total": Case(("sap",), wrong_trailer_total, lambda spec: spec.amount_column is not None),
    "malformed_trailer": Case(("sap",), malformed_trailer),
    "wrong_encoding": Case(ALL, wrong_encoding),
    "renamed_column": Case(ALL, renamed_column),
    "missing_column": Case(ALL, missing_column),
    "extra_column": Case(ALL, extra_column),
    "wrong_delimiter": Case(("sap", "csv"), wrong_delimiter),
    "not_a_date": Case(ALL, not_a_date, lambda spec: has_type(spec, DATE_TYPES)),
    "negative_sap_amount": Case(("sap",), negative_sap_amount, lambda spec: has_type(spec, ("sap_amount",))),
    "absurd_amount": Case(ALL, absurd_amount, lambda spec: has_type(spec, AMOUNT_TYPES)),
    "huge_line": Case(TEXT, huge_line),
    "long_line": Case(TEXT, long_line),
    "zip_bomb": Case(("xlsx",), zip_bomb),
    "duplicated_rows": Case(ALL, duplicated_rows),
    "malformed_record": Case(TEXT, malformed_record),
    "duplicate_file_new_name": Case(ALL, duplicate_file_new_name),
    "corrected_resend": Case(ALL, corrected_resend),
    "late_file": Case(ALL, late_file),
    "volume_spike": Case(ALL, volume_spike),
    "volume_drop": Case(ALL, volume_drop),
}
MATRIX = [
    pytest.param(case, spec, id=f"{name}-{spec.table}")
    for name, case in CASES.items()
    for spec in FEEDS
    if spec.format in case.formats and case.applies(spec)
]


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


@pytest.mark.parametrize(("case", "spec"), MATRIX)
def test_bad_input(tmp_path: Path, con, case: Case, spec: FeedSpec):
    name, expected = case.build(tmp_path, spec, con)
    outcomes = {f.file_name: f for f in ingest(con, tmp_path, spec)}
    outcome = outcomes[name]
    assert outcome.status == expected.status, outcome
    assert list((tmp_path / "landing" / spec.feed_path).iterdir()) == [], "a file was left in landing"
    area = "quarantine" if expected.status == "quarantined" else "archive"
    assert (tmp_path / area / spec.feed_path / name).is_file()

    status, read, loaded, refused, check_failed = con.execute(
        """select status, rows_read, rows_loaded, rows_quarantined, check_failed from ops.file_register
           where file_name = ? order by version desc limit 1""",
        [name],
    ).fetchone()
    assert status == expected.status
    in_raw = con.execute(f"select count(*) from raw.{spec.table} where _source_file = ?", [name]).fetchone()[
        0
    ]
    assert loaded == in_raw == expected.rows_loaded
    if status == "quarantined":
        assert check_failed in expected.checks
    else:  # nothing silently dropped: every record read is loaded or refused with its reason
        refused_rows = con.execute(
            "select count(distinct row_number) from ops.quarantined_rows where source_file = ?", [name]
        ).fetchone()[0]
        assert read == loaded + refused == loaded + refused_rows

    if not expected.checks:
        assert not (tmp_path / "quarantine" / spec.feed_path / f"{name}.rejection.json").exists()
        return
    findings = {f["check"]: f for f in report(tmp_path, spec.feed_path, name)["findings"]}
    fired = [c for c in expected.checks if c in findings]
    assert fired, f"expected one of {expected.checks}, the report has {sorted(findings)}"
    message = findings[fired[0]]["message"]
    assert expected.message in message and len(message) < 400


def test_rows_past_a_stale_dimension_are_read(tmp_path: Path, con):
    """A workbook whose `<dimension>` says one row: openpyxl would stop there; every row is read."""
    spec = next(s for s in FEEDS if s.format == "xlsx")
    path = FeedFile.valid(spec, n=5).write(tmp_path, name := file_name(spec, DAY))
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:G1"', parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for part, data in parts.items():
            target.writestr(part, data)
    (outcome,) = ingest(con, tmp_path, spec)
    assert (outcome.file_name, outcome.status, outcome.rows_loaded) == (name, "loaded", 5)


def test_a_workbook_with_more_rows_than_a_tracker_holds_is_refused(tmp_path: Path, con, monkeypatch):
    monkeypatch.setattr(excel_workbook, "MAX_ROWS", 10)
    spec = next(s for s in FEEDS if s.format == "xlsx")
    FeedFile.valid(spec, n=10).write(tmp_path, name := file_name(spec, DAY))
    (outcome,) = ingest(con, tmp_path, spec)
    assert (outcome.status, outcome.check_failed) == ("quarantined", "too_large")
    assert "more than 10 rows" in report(tmp_path, spec.feed_path, name)["findings"][0]["message"]


def test_a_line_duckdb_would_skip_without_a_word_is_refused(tmp_path: Path, con):
    """DuckDB's CSV reader drops a line of some 30 MB without a reject entry: the file must not load."""
    spec = next(s for s in FEEDS if s.format == "csv")
    name = _with_long_line(tmp_path, spec, 40 << 20)
    (outcome,) = ingest(con, tmp_path, spec)
    assert (outcome.file_name, outcome.status, outcome.check_failed) == (name, "quarantined", "line_too_long")
