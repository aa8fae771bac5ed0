"""The JSON-lines reader: fields by key, malformed lines, quiet days and empty files."""

import json

from ingestion_files import checks, landing, quarantined_rows, report, write_jsonl

from ingestion.csc_telephony import CDR
from ingestion.landing import ingest_feed
from ingestion.web_forms import EFORMS

FEED = "csc/telephony"
NAME = "cdr_20250401.jsonl"
CALLER = "+447700900123"


def call(call_id: str, **changes) -> dict:
    record = {
        "call_id": call_id,
        "direction": "inbound",
        "queue": "Highways",
        "caller_number": CALLER,
        "offered_at": "2025-04-01T09:00:00Z",
        "answered_at": "2025-04-01T09:00:30Z",
        "ended_at": "2025-04-01T09:05:00Z",
        "agent_id": "A1",
        "talk_s": 240,
        "hold_s": 0,
        "wrap_s": 30,
        "transferred_to": None,
        "callback_requested": False,
    }
    return record | changes


def test_loads_typed_values_by_key(tmp_path, con):
    first = call("c1")
    reordered = dict(reversed(list(call("c2", answered_at=None, agent_id=None, talk_s=0).items())))
    write_jsonl(tmp_path, FEED, NAME, [first, reordered])
    result = ingest_feed(con, tmp_path, CDR)
    assert [(f.status, f.rows_loaded) for f in result.files] == [("loaded", 2)]
    rows = con.execute(
        "select call_id, answered_at::varchar, talk_s, callback_requested, _row_number "
        "from raw.csc_telephony_cdr order by call_id"
    ).fetchall()
    assert rows == [("c1", "2025-04-01 09:00:30", 240, False, 1), ("c2", None, 0, False, 2)]


def test_malformed_line_is_a_refused_row_with_its_line_number(tmp_path, con):
    write_jsonl(tmp_path, FEED, NAME, [call("c1"), json.dumps(call("c2"))[:60], call("c3")])
    result = ingest_feed(con, tmp_path, CDR)
    assert (result.files[0].rows_read, result.files[0].rows_loaded) == (3, 2)
    assert quarantined_rows(con) == [(NAME, 2, "malformed_json", None)]
    assert CALLER not in (tmp_path / "quarantine" / FEED / f"{NAME}.rejection.json").read_text()


def test_a_json_value_that_is_not_an_object_is_malformed(tmp_path, con):
    write_jsonl(tmp_path, FEED, NAME, [call("c1"), "[1, 2]", '"text"'])
    ingest_feed(con, tmp_path, CDR)
    assert [r[1:3] for r in quarantined_rows(con)] == [(2, "malformed_json"), (3, "malformed_json")]


def test_zero_bytes_is_an_empty_file_but_a_line_break_is_a_quiet_day(tmp_path, con):
    folder = landing(tmp_path, FEED)
    (folder / "cdr_20250401.jsonl").write_bytes(b"")
    (folder / "cdr_20250402.jsonl").write_bytes(b"\n")
    result = ingest_feed(con, tmp_path, CDR)
    outcomes = {f.file_name: (f.status, f.check_failed, f.rows_read) for f in result.files}
    assert outcomes == {
        "cdr_20250401.jsonl": ("quarantined", "empty_file", None),
        "cdr_20250402.jsonl": ("loaded", None, 0),
    }
    assert report(tmp_path, FEED, "cdr_20250401.jsonl")["findings"][0]["check"] == "empty_file"


def test_blank_lines_are_not_records(tmp_path, con):
    write_jsonl(tmp_path, FEED, NAME, [call("c1"), "", "  ", call("c2")])
    result = ingest_feed(con, tmp_path, CDR)
    assert (result.files[0].status, result.files[0].rows_read) == ("loaded", 2)
    assert con.execute("select list(_row_number order by _row_number) from raw.csc_telephony_cdr").fetchone()[
        0
    ] == [
        1,
        4,
    ]


def test_renamed_key_quarantines_the_file_and_extra_key_is_a_warning(tmp_path, con):
    renamed = [{("callId" if k == "call_id" else k): v for k, v in call(c).items()} for c in ("c1", "c2")]
    write_jsonl(tmp_path, FEED, NAME, renamed)
    write_jsonl(tmp_path, FEED, "cdr_20250402.jsonl", [call("c3", site="Oxford")])
    result = ingest_feed(con, tmp_path, CDR)
    outcomes = {f.file_name: (f.status, f.check_failed, f.warnings) for f in result.files}
    assert outcomes == {
        NAME: ("quarantined", "missing_column", ()),
        "cdr_20250402.jsonl": ("loaded", None, ("extra_column",)),
    }
    assert "call_id" in checks(tmp_path, FEED, NAME)["missing_column"]["message"]


def test_type_errors_are_refused_rows(tmp_path, con):
    write_jsonl(
        tmp_path,
        FEED,
        NAME,
        [
            call("c1", talk_s=12.5),
            call("c2", offered_at="2025-04-01 09:00"),
            call("c3", direction="sideways"),
        ],
    )
    ingest_feed(con, tmp_path, CDR)
    assert [r[1:] for r in quarantined_rows(con)] == [
        (1, "type", "talk_s"),
        (2, "type", "offered_at"),
        (3, "accepted_values", "direction"),
    ]


def test_nested_payload_is_kept_as_json_and_masked(tmp_path, con):
    submission = {
        "submission_id": "S1",
        "form": "report-a-pothole",
        "started_at": "2025-04-01T10:00:00Z",
        "submitted_at": "2025-04-01T10:05:00Z",
        "account_id": None,
        "email": "someone@example.org",
        "first_name": "Alex",
        "last_name": "Example",
        "dob": "1980-02-29",
        "postcode": "OX1 1AA",
        "uprn": "100120000001",
        "payload": {"location": {"lat": 51.75, "lon": -1.25}, "notes": ["deep", "wide"]},
    }
    write_jsonl(
        tmp_path,
        "web/forms",
        "eforms_20250401.jsonl",
        [submission, submission | {"submission_id": "S2", "dob": "29/02/1980"}],
    )
    ingest_feed(con, tmp_path, EFORMS)
    payload = con.execute("select payload from raw.web_eforms").fetchone()[0]
    assert json.loads(payload) == submission["payload"]
    found = checks(tmp_path, "web/forms", "eforms_20250401.jsonl")
    assert found["type"]["examples"] == [{"line": 2, "column": "dob", "value": "<personal data masked>"}]
