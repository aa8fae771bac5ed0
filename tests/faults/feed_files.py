"""Valid landing files for any feed, generated from its FeedSpec, and ways to break them.

One generator serves all 21 feeds: a record is one valid value per contract column (by the
column's type and listed values), written in the feed's format with the writers of the ingestion
unit tests (`ingestion_files`). A file is described as a header and rows of text, so that one
mutation (rename a column, repeat a row, put a bad date in) works for every format alike.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from ingestion_files import write_csv, write_jsonl, write_sap, write_xlsx

from ingestion.contract import FeedSpec

VALID = {
    "text": "Highways",
    "sap_date": "20250401",
    "uk_date": "01/04/2025",
    "iso_date": "2025-04-01",
    "local_timestamp": "2025-04-01 09:30:00",
    "utc_timestamp": "2025-04-01T09:30:00Z",
    "sap_amount": "155.22",
    "sap_signed_amount": "-155.22",
    "decimal": "37.5",
    "integer": "3",
    "flag": "X",
    "boolean": "true",
    "json": '{"reference": "A1"}',
}
# A date that is a valid calendar date, but no business event can carry (the raw suites' ranges).
OUT_OF_RANGE = {
    "sap_date": "21990401",
    "uk_date": "01/04/2199",
    "iso_date": "2199-04-01",
    "local_timestamp": "2199-04-01 09:30:00",
    "utc_timestamp": "2199-04-01T09:30:00Z",
}
# Not a calendar date at all: the loader refuses the row.
NOT_A_DATE = {
    "sap_date": "20251340",
    "uk_date": "40/13/2025",
    "iso_date": "2025-13-40",
    "local_timestamp": "2025-13-40 09:30:00",
    "utc_timestamp": "2025-13-40T09:30:00Z",
}
# Columns whose valid values the raw suites narrow further than their type (expectations/suites).
VALID_BY_NAME = {
    "HKONT": "540100",
    "GJAHR": "2025",
    "FTE": "1.0",
    "VERSN": "ORIG",
    "mcc": "5942",
    "financial_year": "2020/21",
}
DATE_TYPES = tuple(OUT_OF_RANGE)
AMOUNT_TYPES = ("sap_amount", "sap_signed_amount", "decimal")
# More than decimal(18, 2) holds: an amount no council pays, and no raw column can store.
ABSURD_AMOUNT = "123456789012345678901.00"


def value(spec: FeedSpec, column_index: int, row: int) -> str:
    """A valid value of one column in record `row` (keys differ from record to record)."""
    column = spec.columns[column_index]
    if not column.required:  # an optional column is left blank (NHS numbers outside adult social care)
        return ""
    if column.name in VALID_BY_NAME:
        return VALID_BY_NAME[column.name]
    if column.accepted:
        return column.accepted[0]
    if column.type == "key":
        return f"{row + 1:08d}"
    if column.type == "text" and column.name in spec.keys:
        return f"{VALID['text']} {row + 1}"
    return VALID[column.type]


@dataclass
class FeedFile:
    """A landing file as text: its header (contract column names, in order) and rows of values."""

    spec: FeedSpec
    header: list[str]
    rows: list[list[str | None]] = field(default_factory=list)

    @classmethod
    def valid(cls, spec: FeedSpec, n: int = 3, first: int = 0) -> FeedFile:
        """`n` valid records, told apart by their keys (records `first` .. `first + n - 1`)."""
        header = [c.name for c in spec.columns]
        rows = [[value(spec, i, first + r) for i in range(len(header))] for r in range(n)]
        return cls(spec, header, rows)

    def column(self, name: str) -> int:
        return self.header.index(name)

    def set_all(self, types: tuple[str, ...], text: str | dict[str, str], row: int = 0) -> list[str]:
        """Put `text` (or text by column type) into every column of those types in one row."""
        columns = {c.name: c for c in self.spec.columns}
        changed = []
        for i, name in enumerate(self.header):
            if name in columns and columns[name].type in types:
                kind = columns[name].type
                self.rows[row][i] = text[kind] if isinstance(text, dict) else text
                changed.append(name)
        return changed

    def write(self, home: Path, name: str, delimiter: str = "|") -> Path:
        spec = self.spec
        if spec.format == "sap":
            lines = [delimiter.join(self.header)] + [delimiter.join(v or "" for v in r) for r in self.rows]
            return write_sap(home, spec.feed_path, name, lines, trailer=self.trailer(delimiter))
        if spec.format == "csv":
            rows = [[v or "" for v in r] for r in self.rows]
            return write_csv(home, spec.feed_path, name, self.header, rows, bom=spec.table == "care_payments")
        if spec.format == "jsonl":
            if not self.rows:
                return write_jsonl(home, spec.feed_path, name, [""])  # a quiet day: one empty line
            return write_jsonl(home, spec.feed_path, name, [self._object(r) for r in self.rows])
        return write_xlsx(home, spec.feed_path, name, [self.header, *self.rows])

    def trailer(self, delimiter: str = "|") -> str:
        """`TRL|<records>|<control total>`: the sum of the amount column as written, unsigned."""
        total = Decimal(0)
        if self.spec.amount_column in self.header:
            i = self.column(self.spec.amount_column)
            amounts = [r[i].strip("-") for r in self.rows if r[i]]
            total = sum((Decimal(a) for a in amounts if re.fullmatch(r"\d+(\.\d+)?", a)), Decimal(0))
        return delimiter.join(["TRL", str(len(self.rows)), str(total)])

    def _object(self, row: list[str | None]) -> dict:
        types = {c.name: c.type for c in self.spec.columns}
        record = {}
        for name, text in zip(self.header, row, strict=True):
            kind = types.get(name, "text")
            if text is not None and kind == "json":
                record[name] = json.loads(text)
            elif text in ("true", "false") and kind == "boolean":
                record[name] = text == "true"
            elif text is not None and kind == "integer" and text.isdigit():
                record[name] = int(text)
            else:
                record[name] = text
        return record


def file_name(spec: FeedSpec, day: date) -> str:
    stamp = {"YYYY": str(day.year), "YYYYMM": day.strftime("%Y%m")}.get(
        spec.date_format, day.strftime("%Y%m%d")
    )
    return f"{spec.file_prefix}{stamp}{spec.extension}"


def next_period(spec: FeedSpec, day: date, n: int = 1) -> date:
    """The date `n` cadence periods after `day` (files of different periods are never copies)."""
    if spec.cadence == "daily":
        return day + timedelta(days=n)
    if spec.cadence == "weekly":
        return day + timedelta(weeks=n)
    if spec.cadence == "monthly":
        month = day.month - 1 + n
        return date(day.year + month // 12, month % 12 + 1, 1)
    return date(day.year + n, 4, 1)
