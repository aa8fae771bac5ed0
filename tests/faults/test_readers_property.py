"""Property-based tests of the four readers: whatever bytes arrive, ingestion ends in a clear outcome.

For an IBC extract, a CSV, a JSON-lines file and the Excel tracker, Hypothesis generates arbitrary
bytes, arbitrary byte-level mutations of a valid file (for the workbook: of its sheet's XML) and
valid files whose values are arbitrary text. The property: ingesting never raises; the file is either
refused whole with a named check and a report, or loaded with every record it read either in the
raw table or refused with its reason; it ends untouched in exactly one place.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import duckdb
from feed_files import FeedFile, file_name
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingestion_files import report
from openpyxl.utils.exceptions import IllegalCharacterError

from ingestion.care import CARE_PAYMENTS
from ingestion.contract import FeedSpec
from ingestion.csc_telephony import CDR
from ingestion.ibc_finance import FI_ITEMS
from ingestion.landing import ingest_feed
from ingestion.programme import BENEFITS_TRACKER

READERS = {"sap": FI_ITEMS, "csv": CARE_PAYMENTS, "jsonl": CDR, "xlsx": BENEFITS_TRACKER}
DAY = date(2025, 4, 1)
SHEET_XML = "xl/worksheets/sheet1.xml"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def valid_bytes(spec: FeedSpec) -> bytes:
    with tempfile.TemporaryDirectory() as home:
        return FeedFile.valid(spec, n=4).write(Path(home), file_name(spec, DAY)).read_bytes()


def assert_clear_outcome(spec: FeedSpec, data: bytes) -> None:
    """Ingest `data` as the feed's file of DAY and check the property (see the module docstring)."""
    name = file_name(spec, DAY)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        folder = home / "landing" / spec.feed_path
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
        con = duckdb.connect()
        try:
            (outcome,) = ingest_feed(con, home, spec).files
            in_raw = con.execute(f"select count(*) from raw.{spec.table}").fetchone()[0]
            refused = con.execute("select count(distinct row_number) from ops.quarantined_rows").fetchone()[0]
        finally:
            con.close()
        assert list(folder.iterdir()) == []
        if outcome.status == "quarantined":
            assert outcome.check_failed and in_raw == 0
            finding = report(home, spec.feed_path, name)["findings"][0]
            assert finding["check"] == outcome.check_failed and finding["message"]
            assert (home / "quarantine" / spec.feed_path / name).read_bytes() == data
        else:
            assert outcome.status in ("loaded", "loaded_with_quarantine")
            assert outcome.rows_read == outcome.rows_loaded + outcome.rows_quarantined
            assert (in_raw, refused) == (outcome.rows_loaded, outcome.rows_quarantined)
            assert (home / "archive" / spec.feed_path / name).read_bytes() == data


def mutate(data: bytes, edits: list[tuple[float, int, bytes]]) -> bytes:
    """Apply edits (where, as a share of the length; how many bytes to delete; bytes to insert)."""
    for where, delete, insert in edits:
        at = int(where * len(data))
        data = data[:at] + insert + data[at + delete :]
    return data


EDITS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8), st.binary(max_size=8)), min_size=1, max_size=4)
# Text a source system could put in a value: any character, separators, quotes and line breaks too.
VALUES = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["|", ",", '"', "\r\n", "\n", "TRL|0|0", "00000000", "-1", "1e400", "null", "{", "\ufeff"]
)


def with_xml_edits(workbook: bytes, edits: list[tuple[float, int, bytes]]) -> bytes:
    """The workbook with its sheet's XML mutated (the zip stays valid, so openpyxl parses the XML)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            target.writestr(item.filename, mutate(part, edits) if item.filename == SHEET_XML else part)
    return out.getvalue()


@SETTINGS
@given(fmt=st.sampled_from(sorted(READERS)), data=st.binary(max_size=3000))
def test_arbitrary_bytes_end_in_a_clear_outcome(fmt: str, data: bytes):
    assert_clear_outcome(READERS[fmt], data)


@SETTINGS
@given(fmt=st.sampled_from(["sap", "csv", "jsonl"]), edits=EDITS)
def test_mutations_of_a_valid_file_end_in_a_clear_outcome(fmt: str, edits):
    spec = READERS[fmt]
    assert_clear_outcome(spec, mutate(valid_bytes(spec), edits))


@SETTINGS
@given(edits=EDITS)
def test_mutations_of_a_valid_workbook_sheet_end_in_a_clear_outcome(edits):
    assert_clear_outcome(BENEFITS_TRACKER, with_xml_edits(valid_bytes(BENEFITS_TRACKER), edits))


@SETTINGS
@given(fmt=st.sampled_from(sorted(READERS)), values=st.lists(VALUES, min_size=1, max_size=40))
def test_arbitrary_values_in_a_valid_layout_end_in_a_clear_outcome(fmt: str, values: list[str]):
    spec = READERS[fmt]
    f = FeedFile.valid(spec, n=2)
    cells = [(r, c) for r in range(len(f.rows)) for c in range(len(f.header))]
    for (r, c), text in zip(cells, values, strict=False):
        f.rows[r][c] = text
    with tempfile.TemporaryDirectory() as home:
        try:
            data = f.write(Path(home), file_name(spec, DAY)).read_bytes()
        except (UnicodeEncodeError, IllegalCharacterError):  # a writer (cp1252, openpyxl) cannot write it
            return
    assert_clear_outcome(spec, data)
