"""The CSV reader: header by name, BOM, quoting, and each way a CSV file breaks its contract."""

import pytest
from ingestion_files import checks, landing, quarantined_rows, report, write_csv

from ingestion.care import CARE_PAYMENTS
from ingestion.landing import ingest_feed
from ingestion.procurement import CONTRACTS_REGISTER

FEED = "care/payments"
NAME = "care_payments_20250407.csv"
HEADER = [c.name for c in CARE_PAYMENTS.columns]
ROW = [
    "PL1",
    "P1",
    "Acme Care, Ltd",  # a quoted comma
    "0000100001",
    "C123",
    "Children's Residential",
    "CHILDRENS",
    "2025-03-31",
    "2025-04-06",
    "7",
    "night",
    "780.00",
    "5460.00",
    "B1",
]


def row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, ROW, strict=True)) | changes
    return [values[h] for h in HEADER]


def test_loads_with_bom_any_column_order_and_quoted_commas(tmp_path, con):
    header = list(reversed(HEADER))
    rows = [list(reversed(row(payment_line_id=f"PL{i}"))) for i in range(1, 4)]
    write_csv(tmp_path, FEED, NAME, header, rows, bom=True)
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert [(f.status, f.rows_loaded) for f in result.files] == [("loaded", 3)]
    loaded = con.execute(
        "select payment_line_id, provider_name, amount_gbp::varchar, period_start::varchar, _row_number "
        "from raw.care_payments order by _row_number"
    ).fetchall()
    assert loaded[0] == ("PL1", "Acme Care, Ltd", "5460.0000", "2025-03-31", 2)
    assert [r[4] for r in loaded] == [2, 3, 4]


def test_header_only_is_a_quiet_day(tmp_path, con):
    write_csv(tmp_path, FEED, NAME, HEADER, [])
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert [(f.status, f.rows_read) for f in result.files] == [("loaded", 0)]


def test_zero_bytes_is_an_empty_file(tmp_path, con):
    (landing(tmp_path, FEED) / NAME).write_bytes(b"")
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert result.files[0].check_failed == "empty_file"
    assert report(tmp_path, FEED, NAME)["outcome"] == "file_quarantined"


def test_title_row_above_the_header_quarantines_the_file(tmp_path, con):
    path = write_csv(tmp_path, FEED, NAME, HEADER, [row()])
    path.write_bytes(b"Weekly provider payments schedule\n" + path.read_bytes())
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert result.files[0].check_failed == "title_row"
    assert (tmp_path / "quarantine" / FEED / NAME).exists()
    assert "Weekly" not in checks(tmp_path, FEED, NAME)["title_row"]["message"]


def test_renamed_column_quarantines_the_file(tmp_path, con):
    header = [("Payment Line Id" if h == "payment_line_id" else h) for h in HEADER]
    write_csv(tmp_path, FEED, NAME, header, [row()])
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert result.files[0].check_failed == "missing_column"
    assert "payment_line_id" in checks(tmp_path, FEED, NAME)["missing_column"]["message"]


def test_wrong_delimiter_is_named(tmp_path, con):
    path = landing(tmp_path, FEED) / NAME
    path.write_text(";".join(HEADER) + "\n" + ";".join(row()) + "\n")
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert result.files[0].check_failed == "delimiter"


def test_malformed_records_are_refused_rows_with_their_line_numbers(tmp_path, con):
    path = write_csv(tmp_path, FEED, NAME, HEADER, [row(payment_line_id=f"PL{i}") for i in range(1, 4)])
    lines = path.read_text().splitlines()
    lines.insert(2, '"PL9","short"')  # line 3: too few fields
    lines.insert(4, lines[1])  # line 5: an exact copy of line 2
    lines.append(lines[1].replace('"5460.00"', '"5,460.00"'))  # line 7: not a decimal
    path.write_text("\n".join(lines) + "\n")
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert (result.files[0].rows_read, result.files[0].rows_loaded) == (6, 3)
    assert quarantined_rows(con) == [
        (NAME, 3, "field_count", None),
        (NAME, 5, "duplicate_row", None),
        (NAME, 7, "type", "amount_gbp"),
    ]
    assert con.execute("select list(_row_number order by _row_number) from raw.care_payments").fetchone()[
        0
    ] == [
        2,
        4,
        6,
    ]


def test_unterminated_quote_is_a_refused_row(tmp_path, con):
    path = write_csv(tmp_path, FEED, NAME, HEADER, [row(payment_line_id="PL1")])
    path.write_text(path.read_text() + '"PL2","P1,broken\n')
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert (result.files[0].rows_loaded, result.files[0].rows_quarantined) == (1, 1)
    assert quarantined_rows(con)[0][:3] == (NAME, 3, "malformed_csv")


def test_invalid_utf8_quarantines_the_file(tmp_path, con):
    path = write_csv(tmp_path, FEED, NAME, HEADER, [row()])
    path.write_bytes(path.read_bytes().replace(b"Acme", b"Ac\xe9me"))
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert result.files[0].check_failed == "encoding"


def test_accepted_values_and_uk_dates(tmp_path, con):
    header = [c.name for c in CONTRACTS_REGISTER.columns]
    good = ["C1", "Roads", "Acme", "", "123", "Highways", "ENVPLACE", "01/04/2024", "31/03/2027", ""]
    good += ["12", "1000000", "333333.33", "Y", "N", "Open", "Active"]
    bad = good.copy()
    bad[0], bad[7], bad[16] = "C2", "2024-04-01", "Pending"
    write_csv(tmp_path, "procurement/contracts", "contracts_register_20250401.csv", header, [good, bad])
    ingest_feed(con, tmp_path, CONTRACTS_REGISTER)
    assert con.execute(
        "select contract_ref, start_date::varchar, review_date from raw.procurement_contracts_register"
    ).fetchall() == [("C1", "2024-04-01", None)]
    found = checks(tmp_path, "procurement/contracts", "contracts_register_20250401.csv")
    assert found["accepted_values"]["examples"] == [{"line": 3, "column": "status", "value": "Pending"}]
    assert found["type"]["message"] == "start_date: not a %d/%m/%Y value"


@pytest.mark.parametrize("personal", ["client_ref", "provider_name"])
def test_personal_values_never_reach_the_report(tmp_path, con, personal):
    write_csv(tmp_path, FEED, NAME, HEADER, [row(), row(payment_line_id="PL2", amount_gbp="x")])
    ingest_feed(con, tmp_path, CARE_PAYMENTS)
    text = (tmp_path / "quarantine" / FEED / f"{NAME}.rejection.json").read_text()
    assert dict(zip(HEADER, ROW, strict=True))[personal] not in text
