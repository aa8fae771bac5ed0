"""Feed contracts as data: one FeedSpec per landing file type, read by one generic loader.

A spec says where the file lands, how its name is dated, its format and, per column, the type
the contract promises. The loader turns every promise into a SQL check, so a new feed is a new
spec, not new code.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

# Column types of the contracts. Each maps to a DuckDB cast and a validity test (loader.py).
ColumnType = Literal[
    "key",  # zero-padded SAP key or other identifier: text, never cast
    "text",
    "sap_date",  # YYYYMMDD; 00000000 = no date (NULL); 99991231 kept as 9999-12-31
    "sap_amount",  # unsigned decimal; a sign breaks the contract
    "sap_signed_amount",  # decimal with an optional leading minus (BUDGET WTGBTR only)
    "decimal",  # unsigned or signed plain decimal (hours, FTE, rates)
    "integer",
    "flag",  # SAP flag: 'X' or blank
    "uk_date",  # dd/mm/yyyy; blank = NULL
    "iso_date",  # YYYY-MM-DD; blank = NULL
    "local_timestamp",  # YYYY-MM-DD HH:MM:SS, Europe/London wall time
    "utc_timestamp",  # ISO 8601 with Z
    "boolean",
    "json",
]

FileFormat = Literal["sap", "csv", "jsonl", "xlsx"]
DATE_TYPES = ("sap_date", "uk_date", "iso_date")
TIMESTAMP_TYPES = ("local_timestamp", "utc_timestamp")

# Dates a business event can carry (a year typed wrong falls outside): the default bounds of every
# date and timestamp column. HR and organisation validity may reach back further (long-serving
# staff), and 9999-12-31 (open end) is allowed only where a column says so.
EARLIEST = date(1990, 1, 1)
HR_EARLIEST = date(1950, 1, 1)
LATEST = date(2099, 12, 31)
OPEN_END = date(9999, 12, 31)
Bound = float | date | None


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = True  # must be present in the header
    not_null: bool = False  # a row with no value is refused
    personal: bool = False  # masked in every report, restricted downstream
    accepted: tuple[str, ...] = ()  # accepted values, where the contract lists them
    # Invariants a loaded value must still meet (the raw feed's check; the loader only casts):
    bounds: tuple[Bound, Bound] | None = None  # [low, high]; dates default to [EARLIEST, LATEST]
    pattern: str | None = None  # a regular expression the whole value matches
    not_before: str | None = None  # a column of the same row this one never precedes
    empty: bool = False  # the feed leaves the column empty (e.g. NHS numbers outside adult social care)

    def value_bounds(self) -> tuple[Bound, Bound] | None:
        """The column's bounds, dates and timestamps within [EARLIEST, LATEST] unless it says otherwise;
        unsigned SAP amounts never negative."""
        bounds = self.bounds
        if bounds is None and self.type in (*DATE_TYPES, *TIMESTAMP_TYPES):
            bounds = (EARLIEST, LATEST)
        if bounds is None and self.type == "sap_amount":
            bounds = (0, None)
        if bounds and self.type in TIMESTAMP_TYPES:
            low, high = bounds
            bounds = (
                datetime.combine(low, datetime.min.time()) if isinstance(low, date) else low,
                datetime.combine(high, datetime.max.time().replace(microsecond=0))
                if isinstance(high, date)
                else high,
            )
        return bounds


@dataclass(frozen=True)
class FeedSpec:
    """The contract of one landing file type."""

    table: str  # raw table name in schema `raw`
    feed_path: str  # landing sub-directory, e.g. 'ibc/hr'
    file_prefix: str  # e.g. 'PA0001_' (then the file's date and the extension)
    extension: str  # e.g. '.txt'
    format: FileFormat
    cadence: Literal["daily", "weekly", "monthly", "yearly"]
    load: Literal["snapshot", "delta", "append"]
    columns: tuple[Column, ...]
    amount_column: str | None = None  # summed into the SAP trailer's control total
    # YYYYMM: a monthly statement named by the month it covers, dated its first day.
    date_format: Literal["YYYYMMDD", "YYYYMM", "YYYY"] = "YYYYMMDD"
    description: str = ""
    keys: tuple[str, ...] = field(default=())  # the contract's record key, for uniqueness checks

    @property
    def name_pattern(self) -> re.Pattern[str]:
        digits = len(self.date_format)
        return re.compile(rf"^{re.escape(self.file_prefix)}(\d{{{digits}}}){re.escape(self.extension)}$")

    def file_date(self, file_name: str) -> date | None:
        """The date a file's name carries (1 April of the fiscal year for yearly files)."""
        m = self.name_pattern.match(file_name)
        if not m:
            return None
        text = m.group(1)
        try:
            if self.date_format == "YYYY":
                return date(int(text), 4, 1)
            if self.date_format == "YYYYMM":
                return date(int(text[:4]), int(text[4:]), 1)
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None

    @property
    def counts_its_records(self) -> bool:
        """Whether the feed's files end with a trailer counting their records (the IBC extracts). A file
        without one cannot show it is whole: a re-delivery of its name must keep every key the loaded
        version has (judging.py)."""
        return self.format == "sap"

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def personal_columns(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.personal)


def check_header(header: list[str], spec: FeedSpec) -> None:
    """Refuse a header that repeats a name or lacks a required column (extra columns are allowed).

    When columns are missing the first line may be data, not a header, so the message names only
    the contract's columns and unknown names that closely resemble them (a likely rename).
    """
    from ingestion.rejection import ContractViolation

    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        known = {c.name for c in spec.columns}
        shown = [h for h in duplicated if h in known]
        raise ContractViolation(
            "header",
            f"the header repeats {len(duplicated)} column name(s)"
            + (f", among them {', '.join(shown)}" if shown else ""),
        )
    missing = [c for c in spec.required_columns if c not in header]
    if missing:
        known = {c.name for c in spec.columns}
        unknown = [h for h in header if h not in known]
        renames = [
            f"{name} -> {match[0]}"
            for name in missing
            if (match := difflib.get_close_matches(name, unknown, n=1, cutoff=0.7))
        ]
        hint = f"; probably renamed: {', '.join(renames)}" if renames else ""
        raise ContractViolation(
            "missing_column", f"required column(s) {', '.join(missing)} missing from the header{hint}"
        )


def sap_feed(
    feed_path: str,
    table: str,
    prefix: str,
    cadence: Literal["daily", "weekly", "monthly", "yearly"],
    load: Literal["snapshot", "delta", "append"],
    columns: list[Column],
    *,
    keys: tuple[str, ...] = (),
    description: str = "",
    amount: str | None = None,
    date_format: Literal["YYYYMMDD", "YYYY"] = "YYYYMMDD",
) -> FeedSpec:
    """An IBC extract: `<prefix><date>.txt`, Windows-1252, `|`, header by name, trailer."""
    return FeedSpec(
        table=table,
        feed_path=feed_path,
        file_prefix=prefix,
        extension=".txt",
        format="sap",
        cadence=cadence,
        load=load,
        columns=tuple(columns),
        keys=keys,
        description=description,
        amount_column=amount,
        date_format=date_format,
    )
