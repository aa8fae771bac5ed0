"""The SAP extract reader, on hand-written files that follow (or break) the sources contract."""

import json
from pathlib import Path

import duckdb
import pytest

from ingestion.ibc_finance import CSKS
from ingestion.ibc_hr import PA0001
from ingestion.landing import ingest_feed

HEADER = "ENDDA|PERNR|BEGDA|PERSG|KOSTL|ORGEH|PLANS|STELL|AEDTM"  # not the contract's order on purpose
ROWS = [
    "99991231|00000001|20200101|1|0000100001|00000010|00000100|00001000|20200101",
    "20241231|00000002|20190301|2|0000100002|00000010|00000101|00001000|20250102",
]


def write_sap(
    home: Path, feed: str, name: str, lines: list[str], trailer: str | None = "auto", encoding: str = "cp1252"
) -> Path:
    folder = home / "landing" / feed
    folder.mkdir(parents=True, exist_ok=True)
    if trailer == "auto":
        trailer = f"TRL|{len(lines) - 1}|0"
    body = "\r\n".join(lines + ([trailer] if trailer else [])) + "\r\n"
    path = folder / name
    path.write_bytes(body.encode(encoding) if isinstance(body, str) else body)
    return path


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_loads_a_valid_file_with_columns_in_any_order(tmp_path, con):
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    result = ingest_feed(con, tmp_path, PA0001)
    assert [f.status for f in result.files] == ["loaded"]
    rows = con.execute(
        'select "PERNR", "BEGDA"::varchar, "ENDDA"::varchar, _row_number from raw.ibc_pa0001 order by 1'
    ).fetchall()
    assert rows == [("00000001", "2020-01-01", "9999-12-31", 2), ("00000002", "2019-03-01", "2024-12-31", 3)]
    assert (tmp_path / "archive/ibc/hr/PA0001_20250101.txt").exists()
    assert not (tmp_path / "landing/ibc/hr/PA0001_20250101.txt").exists()


def test_same_file_twice_is_a_no_op(tmp_path, con):
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    ingest_feed(con, tmp_path, PA0001)
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    result = ingest_feed(con, tmp_path, PA0001)
    assert [f.status for f in result.files] == ["unchanged"]
    assert con.execute("select count(*) from raw.ibc_pa0001").fetchone()[0] == 2


def test_corrected_resend_replaces_the_files_rows(tmp_path, con):
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    ingest_feed(con, tmp_path, PA0001)
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, ROWS[0]])
    ingest_feed(con, tmp_path, PA0001)
    assert con.execute("select count(*) from raw.ibc_pa0001").fetchone()[0] == 1
    versions = con.execute("select version from ops.file_register order by version").fetchall()
    assert versions == [(1,), (2,)]


@pytest.mark.parametrize(
    ("lines", "trailer", "check"),
    [
        ([HEADER, *ROWS], None, "missing_trailer"),
        ([HEADER, *ROWS], "TRL|3|0", "trailer_count"),
        ([HEADER.replace("KOSTL", "KOSTL1"), *ROWS], "auto", "missing_column"),
    ],
)
def test_file_level_defects_quarantine_the_file_with_a_report(tmp_path, con, lines, trailer, check):
    path = write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", lines, trailer)
    original = path.read_bytes()
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.status, f.check_failed) for f in result.files] == [("quarantined", check)]
    quarantined = tmp_path / "quarantine/ibc/hr/PA0001_20250101.txt"
    assert quarantined.read_bytes() == original
    report = json.loads((quarantined.parent / "PA0001_20250101.txt.rejection.json").read_text())
    assert report["outcome"] == "file_quarantined"
    assert report["findings"][0]["check"] == check
    assert report["sha256"] and report["feed"] == "ibc/hr"


def test_bytes_undefined_in_windows_1252_quarantine_the_file(tmp_path, con):
    path = write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    path.write_bytes(path.read_bytes().replace(b"00001000|2020", b"0000\x8100|2020"))
    result = ingest_feed(con, tmp_path, PA0001)
    assert result.files[0].check_failed == "encoding"


def test_zero_date_in_a_required_field_quarantines_only_that_row(tmp_path, con):
    bad = ROWS[1].replace("20190301", "00000000")
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, ROWS[0], bad])
    result = ingest_feed(con, tmp_path, PA0001)
    outcome = result.files[0]
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (2, 1, 1)
    q = con.execute("select row_number, column_name, message from ops.quarantined_rows").fetchall()
    assert q == [(3, "BEGDA", "BEGDA: required value missing")]


def test_duplicated_line_is_quarantined_and_extra_column_is_reported(tmp_path, con):
    lines = [HEADER + "|ZZNEW"] + [r + "|x" for r in (ROWS[0], ROWS[0], ROWS[1])]
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", lines)
    result = ingest_feed(con, tmp_path, PA0001)
    assert (result.files[0].rows_loaded, result.files[0].rows_quarantined) == (2, 1)
    report = json.loads((tmp_path / "quarantine/ibc/hr/PA0001_20250101.txt.rejection.json").read_text())
    checks = {f["check"]: f for f in report["findings"]}
    assert checks["duplicate_row"]["examples"][0]["line"] == 3
    assert checks["extra_column"]["severity"] == "warning"


def test_windows_1252_text_is_decoded(tmp_path, con):
    lines = [
        "KOSTL|DATAB|DATBI|KTEXT|ZDIRECT|ZSERVICE|VERAK",
        "0000100001|20200101|99991231|Café £ budget|ADULTS|Care|00000001",
    ]
    write_sap(tmp_path, "ibc/finance", "CSKS_20250101.txt", lines)
    ingest_feed(con, tmp_path, CSKS)
    assert con.execute('select "KTEXT" from raw.ibc_csks').fetchone()[0] == "Café £ budget"
