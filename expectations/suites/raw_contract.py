"""What every raw feed's suite checks, derived from its FeedSpec so the contract is written once.

After the loader has refused every row that breaks a column's contract, a raw table must still
meet: required values present, listed values only, unsigned amounts not negative, and the record
key unique where the contract implies it - across the whole table for feeds that only append
(postings, calls, contacts), within each file for snapshots; never for daily deltas, which keep
every version of a record. Personal columns are never examined. Each raw_<table>.py adds what
is particular to its feed.
"""

from __future__ import annotations

import datetime as dt
import importlib

import great_expectations as gx

from ingestion.contract import FeedSpec

# Dates a business event can carry; 9999-12-31 (open end) is allowed only where a suite says so,
# and HR and organisation validity dates may reach back further (long-serving staff).
EARLIEST = dt.date(1990, 1, 1)
HR_EARLIEST = dt.date(1950, 1, 1)
LATEST = dt.date(2099, 12, 31)
OPEN_END = dt.date(9999, 12, 31)


def contract_suite(spec: FeedSpec, *extra) -> gx.ExpectationSuite:
    e = gx.expectations
    expectations = []
    for col in spec.columns:
        if col.personal:
            continue
        if col.not_null:
            expectations.append(e.ExpectColumnValuesToNotBeNull(column=col.name))
        if col.accepted:
            values = [int(v) for v in col.accepted] if col.type == "integer" else list(col.accepted)
            expectations.append(e.ExpectColumnValuesToBeInSet(column=col.name, value_set=values))
        if col.type == "sap_amount":
            expectations.append(e.ExpectColumnValuesToBeBetween(column=col.name, min_value=0))
    key = list(spec.keys)
    if key and spec.load != "delta":
        if spec.load == "snapshot":
            key.append("_source_file")
        if len(key) == 1:
            expectations.append(e.ExpectColumnValuesToBeUnique(column=key[0]))
        else:
            expectations.append(e.ExpectCompoundColumnsToBeUnique(column_list=key))
    return gx.ExpectationSuite(name=f"raw_{spec.table}", expectations=[*expectations, *extra])


def dates_between(*columns: str, earliest: dt.date = EARLIEST, latest: dt.date = LATEST) -> list:
    """Each column's dates within [earliest, latest]: a year typed wrong is caught here."""
    e = gx.expectations
    return [e.ExpectColumnValuesToBeBetween(column=c, min_value=earliest, max_value=latest) for c in columns]


def timestamps_between(*columns: str) -> list:
    e = gx.expectations
    low = dt.datetime.combine(EARLIEST, dt.time())
    high = dt.datetime.combine(LATEST, dt.time(23, 59, 59))
    return [e.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high) for c in columns]


def not_negative(*columns: str) -> list:
    e = gx.expectations
    return [e.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def suite_columns(suite: gx.ExpectationSuite) -> list[str]:
    """The columns a suite reads, so a check loads only those out of the warehouse."""
    names: list[str] = []
    for expectation in suite.expectations:
        config = expectation.configuration.kwargs
        for name in [config.get("column"), config.get("column_A"), config.get("column_B")]:
            if name and name not in names:
                names.append(name)
        for name in config.get("column_list") or []:
            if name not in names:
                names.append(name)
    return names


def raw_suite_columns(table: str) -> list[str]:
    """The raw table's columns that its suite `raw_<table>` reads."""
    return suite_columns(importlib.import_module(f"expectations.suites.raw_{table}").build())
