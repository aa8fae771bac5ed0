"""The SAP extract reader, on hand-written files that follow (or break) the sources contract."""

import pytest
from ingestion_files import FI_HEADER, checks, quarantined_rows, report, write_sap

from ingestion.ibc_finance import CSKS, FI_ITEMS
from ingestion.ibc_hr import PA0001
from ingestion.landing import ingest_feed

HEADER = "ENDDA|PERNR|BEGDA|PERSG|KOSTL|ORGEH|PLANS|STELL|AEDTM"  # not the contract's order on purpose
ROWS = [
    "99991231|00000001|20200101|1|0000100001|00000010|00000100|00001000|20200101",
    "20241231|00000002|20190301|2|0000100002|00000010|00000101|00001000|20250102",
]


def fi_line(belnr: str, buzei: str, amount: str, shkzg: str = "S") -> str:
    return (
        f"1000|{belnr}|2025|{buzei}|KR|20250401|20250402|20250402|540100|0000100001||{amount}|{shkzg}|||"
        "INV-1|Payment to Jane Example"
    )


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


def test_quiet_day_header_and_zero_trailer_loads_nothing(tmp_path, con):
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER], trailer="TRL|0|0")
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.status, f.rows_read) for f in result.files] == [("loaded", 0)]
    assert not (tmp_path / "quarantine").exists()


def test_same_file_twice_is_a_no_op(tmp_path, con):
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    ingest_feed(con, tmp_path, PA0001)
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    result = ingest_feed(con, tmp_path, PA0001)
    assert [f.status for f in result.files] == ["unchanged"]
    assert con.execute("select count(*) from raw.ibc_pa0001").fetchone()[0] == 2
    assert con.execute("select count(*) from ops.file_register").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("lines", "trailer", "check"),
    [
        ([HEADER, *ROWS], None, "missing_trailer"),
        ([HEADER, ROWS[0], ROWS[1][:30]], None, "missing_trailer"),  # truncated last line, trailer lost
        ([HEADER, *ROWS], "TRL|3|0", "trailer_count"),
        ([HEADER, *ROWS], "TRL|two|0", "trailer"),
        ([HEADER], None, "missing_trailer"),  # a header without a trailer is a defect, not a quiet day
        ([HEADER.replace("KOSTL", "KOSTL1"), *ROWS], "auto", "missing_column"),
        ([HEADER.replace("|", ";"), *[r.replace("|", ";") for r in ROWS]], "auto", "missing_column"),
    ],
)
def test_file_level_defects_quarantine_the_file_with_a_report(tmp_path, con, lines, trailer, check):
    path = write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", lines, trailer)
    original = path.read_bytes()
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.status, f.check_failed) for f in result.files] == [("quarantined", check)]
    quarantined = tmp_path / "quarantine/ibc/hr/PA0001_20250101.txt"
    assert quarantined.read_bytes() == original
    rejection = report(tmp_path, "ibc/hr", "PA0001_20250101.txt")
    assert rejection["outcome"] == "file_quarantined"
    assert rejection["findings"][0]["check"] == check
    assert rejection["findings"][0]["severity"] == "error"
    assert rejection["sha256"] and rejection["feed"] == "ibc/hr" and rejection["version"] == 1
    assert con.execute("select count(*) from raw.ibc_pa0001").fetchone()[0] == 0
    status = con.execute("select status, check_failed from ops.file_register").fetchall()
    assert status == [("quarantined", check)]


def test_renamed_column_report_names_the_likely_rename(tmp_path, con):
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER.replace("BEGDA", "BEGDA1"), *ROWS])
    ingest_feed(con, tmp_path, PA0001)
    message = checks(tmp_path, "ibc/hr", "PA0001_20250101.txt")["missing_column"]["message"]
    assert "BEGDA" in message and "BEGDA1" in message


def test_wrong_control_total_quarantines_the_file(tmp_path, con):
    lines = [FI_HEADER, fi_line("0100000001", "001", "100.00"), fi_line("0100000001", "002", "100.00", "H")]
    write_sap(tmp_path, "ibc/finance", "FI_ITEMS_20250402.txt", lines, trailer="TRL|2|200.01")
    result = ingest_feed(con, tmp_path, FI_ITEMS)
    assert result.files[0].check_failed == "trailer_total"


def test_bytes_undefined_in_windows_1252_quarantine_the_file(tmp_path, con):
    path = write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    path.write_bytes(path.read_bytes().replace(b"00001000|2020", b"0000\x8100|2020"))
    result = ingest_feed(con, tmp_path, PA0001)
    assert result.files[0].check_failed == "encoding"
    finding = checks(tmp_path, "ibc/hr", "PA0001_20250101.txt")["encoding"]
    assert "0x81" in finding["message"] and finding["examples"] == [{"line": 2}]


def test_zero_date_in_a_required_field_quarantines_only_that_row(tmp_path, con):
    bad = ROWS[1].replace("20190301", "00000000")
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, ROWS[0], bad])
    result = ingest_feed(con, tmp_path, PA0001)
    outcome = result.files[0]
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (
        "loaded_with_quarantine",
        2,
        1,
        1,
    )
    q = con.execute(
        "select row_number, check_name, column_name, message from ops.quarantined_rows"
    ).fetchall()
    assert q == [(3, "missing_value", "BEGDA", "BEGDA: required value missing")]
    assert report(tmp_path, "ibc/hr", "PA0001_20250101.txt")["outcome"] == "rows_quarantined"


@pytest.mark.parametrize("signed", ["155.22-", "-155.22"])
def test_signed_amount_quarantines_its_row_and_the_total_still_matches(tmp_path, con, signed):
    lines = [FI_HEADER, fi_line("0100000001", "001", "100.00"), fi_line("0100000001", "002", signed, "H")]
    write_sap(tmp_path, "ibc/finance", "FI_ITEMS_20250402.txt", lines, trailer="TRL|2|255.22")
    result = ingest_feed(con, tmp_path, FI_ITEMS)
    assert (result.files[0].rows_loaded, result.files[0].rows_quarantined) == (1, 1)
    assert quarantined_rows(con) == [("FI_ITEMS_20250402.txt", 3, "signed_amount", "DMBTR")]
    example = checks(tmp_path, "ibc/finance", "FI_ITEMS_20250402.txt")["signed_amount"]["examples"][0]
    assert example == {"line": 3, "column": "DMBTR", "value": signed}


def test_duplicated_line_is_quarantined_and_extra_column_is_reported(tmp_path, con):
    lines = [HEADER + "|ZZNEW"] + [r + "|x" for r in (ROWS[0], ROWS[0], ROWS[1])]
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", lines)
    result = ingest_feed(con, tmp_path, PA0001)
    assert (result.files[0].rows_loaded, result.files[0].rows_quarantined) == (2, 1)
    assert result.files[0].warnings == ("extra_column",)
    found = checks(tmp_path, "ibc/hr", "PA0001_20250101.txt")
    assert found["duplicate_row"]["examples"][0]["line"] == 3
    assert found["extra_column"]["severity"] == "warning" and "ZZNEW" in found["extra_column"]["message"]


def test_extra_column_alone_loads_with_a_warning(tmp_path, con):
    lines = [HEADER + "|ZZNEW"] + [r + "|A" for r in ROWS]
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", lines)
    result = ingest_feed(con, tmp_path, PA0001)
    assert (result.files[0].status, result.files[0].rows_loaded) == ("loaded", 2)
    assert report(tmp_path, "ibc/hr", "PA0001_20250101.txt")["outcome"] == "loaded_with_warnings"


def test_line_with_a_stray_delimiter_is_refused_without_echoing_it(tmp_path, con):
    lines = [
        FI_HEADER,
        fi_line("0100000001", "001", "100.00"),
        fi_line("0100000001", "002", "50.00") + "|Smith",
    ]
    write_sap(tmp_path, "ibc/finance", "FI_ITEMS_20250402.txt", lines, trailer="TRL|2|150.00")
    ingest_feed(con, tmp_path, FI_ITEMS)
    assert quarantined_rows(con) == [("FI_ITEMS_20250402.txt", 3, "field_count", None)]
    text = (tmp_path / "quarantine/ibc/finance/FI_ITEMS_20250402.txt.rejection.json").read_text()
    assert "Smith" not in text and "Jane" not in text


def test_personal_free_text_is_masked_in_examples(tmp_path, con):
    lines = [FI_HEADER, fi_line("0100000001", "001", "100.00"), fi_line("0100000001", "002", "abc")]
    write_sap(tmp_path, "ibc/finance", "FI_ITEMS_20250402.txt", lines, trailer="TRL|2|100.00")
    ingest_feed(con, tmp_path, FI_ITEMS)
    text = (tmp_path / "quarantine/ibc/finance/FI_ITEMS_20250402.txt.rejection.json").read_text()
    assert "Jane Example" not in text
    assert checks(tmp_path, "ibc/finance", "FI_ITEMS_20250402.txt")["type"]["examples"][0]["value"] == "abc"


def test_windows_1252_text_is_decoded(tmp_path, con):
    lines = [
        "KOSTL|DATAB|DATBI|KTEXT|ZDIRECT|ZSERVICE|VERAK",
        "0000100001|20200101|99991231|Café £ budget|ADULTS|Care|00000001",
    ]
    write_sap(tmp_path, "ibc/finance", "CSKS_20250101.txt", lines)
    ingest_feed(con, tmp_path, CSKS)
    assert con.execute('select "KTEXT" from raw.ibc_csks').fetchone()[0] == "Café £ budget"


def test_a_batch_mixes_good_and_refused_files(tmp_path, con):
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", [HEADER, *ROWS])
    write_sap(tmp_path, "ibc/hr", "PA0001_20250201.txt", [HEADER, *ROWS], trailer=None)
    write_sap(
        tmp_path, "ibc/hr", "PA0001_20250301.txt", [HEADER.replace("|AEDTM", "|AEDTM|ZZ"), ROWS[0] + "|1"]
    )
    result = ingest_feed(con, tmp_path, PA0001)
    by_name = {f.file_name: (f.status, f.rows_loaded) for f in result.files}
    assert by_name == {
        "PA0001_20250101.txt": ("loaded", 2),
        "PA0001_20250201.txt": ("quarantined", 0),
        "PA0001_20250301.txt": ("loaded", 1),
    }
    counts = con.execute("select _source_file, count(*) from raw.ibc_pa0001 group by 1 order by 1").fetchall()
    assert counts == [("PA0001_20250101.txt", 2), ("PA0001_20250301.txt", 1)]


def test_a_copy_differing_only_in_an_unknown_column_is_still_a_copy(tmp_path, con):
    lines = [HEADER + "|ZZNEW", ROWS[0] + "|A", ROWS[0] + "|", ROWS[1] + "|"]
    write_sap(tmp_path, "ibc/hr", "PA0001_20250101.txt", lines)
    ingest_feed(con, tmp_path, PA0001)
    assert quarantined_rows(con) == [("PA0001_20250101.txt", 3, "duplicate_row", None)]
