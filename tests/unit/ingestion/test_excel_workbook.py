"""The benefits tracker reader: header found under title rows, blank and total rows skipped."""

from ingestion_files import checks, landing, quarantined_rows, write_xlsx

from ingestion.landing import ingest_feed
from ingestion.programme import BENEFITS_TRACKER

FEED = "programme/benefits"
NAME = "benefits_tracker_20250401.xlsx"
HEADER = [
    "workstream",
    "financial_year",
    "planned_gbp",
    "forecast_gbp",
    "delivered_gbp",
    "rag_reported",
    "owner",
]


def test_title_blank_and_total_rows_are_layout_not_records(tmp_path, con):
    rows = [
        ["Transformation programme - benefits tracker"],
        [],
        HEADER,
        ["Finance", "2019/20", 180000, 175000.5, 180000, "G", "Pat Owner"],
        [],
        ["Provision Cycle", "2020/21", 1470000, 1200000, 0.1, "A", "Sam Owner"],
        ["Total", None, 1650000, 1375000.5, 180000.1, None, None],
    ]
    write_xlsx(tmp_path, FEED, NAME, rows)
    result = ingest_feed(con, tmp_path, BENEFITS_TRACKER)
    assert [(f.status, f.rows_read) for f in result.files] == [("loaded", 2)]
    loaded = con.execute(
        "select workstream, planned_gbp::varchar, forecast_gbp::varchar, delivered_gbp::varchar, _row_number "
        "from raw.programme_benefits_tracker order by _row_number"
    ).fetchall()
    assert loaded == [
        ("Finance", "180000.0000", "175000.5000", "180000.0000", 4),
        ("Provision Cycle", "1470000.0000", "1200000.0000", "0.1000", 6),
    ]


def test_bad_values_are_refused_rows_and_owner_is_masked(tmp_path, con):
    rows = [HEADER, ["Finance", "2019/20", "lots", 1, 1, "Purple", "Pat Owner"]]
    write_xlsx(tmp_path, FEED, NAME, rows)
    ingest_feed(con, tmp_path, BENEFITS_TRACKER)
    assert [r[1:] for r in quarantined_rows(con)] == [
        (2, "accepted_values", "rag_reported"),
        (2, "type", "planned_gbp"),
    ]
    text = (tmp_path / "quarantine" / FEED / f"{NAME}.rejection.json").read_text()
    assert "Pat Owner" not in text


def test_missing_sheet_renamed_column_and_not_a_workbook_quarantine_the_file(tmp_path, con):
    write_xlsx(tmp_path, FEED, "benefits_tracker_20250401.xlsx", [HEADER], sheet="Sheet1")
    write_xlsx(tmp_path, FEED, "benefits_tracker_20250501.xlsx", [[h.upper() for h in HEADER]])
    (landing(tmp_path, FEED) / "benefits_tracker_20250601.xlsx").write_bytes(b"not a zip file")
    result = ingest_feed(con, tmp_path, BENEFITS_TRACKER)
    assert {f.file_name: f.check_failed for f in result.files} == {
        "benefits_tracker_20250401.xlsx": "missing_sheet",
        "benefits_tracker_20250501.xlsx": "missing_column",
        "benefits_tracker_20250601.xlsx": "not_a_workbook",
    }
    assert (
        "workstream" in checks(tmp_path, FEED, "benefits_tracker_20250501.xlsx")["missing_column"]["message"]
    )
