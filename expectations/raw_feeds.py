"""Every raw feed's suite, generated from its FeedSpec, so the contract is written once.

After the loader has refused every row that breaks a column's contract, a raw table must still meet
what the contract promises of its values: required values present, listed values only, values
within their bounds (dates within the business range unless the column says otherwise, unsigned
amounts not negative), whole values matching their pattern, a column never before the one it
follows, a column the feed leaves empty empty, and the record key unique where the contract
implies it - across the whole table for feeds that only append (postings, calls, contacts), within
each file for snapshots; never for daily deltas, which keep every version of a record. Personal
columns are never examined (but for being empty where the contract says so).
"""

from __future__ import annotations

from typing import Any

from ingestion.contract import FeedSpec


def suite_name(spec: FeedSpec) -> str:
    """The suite's name, as gate_policy.yml lists it: raw_<table>."""
    return f"raw_{spec.table}"


def feed_suite(spec: FeedSpec) -> Any:
    """The feed's gx.ExpectationSuite (GX imported only when a check runs)."""
    import great_expectations as gx

    e = gx.expectations
    expectations = []
    for col in spec.columns:
        if col.empty:
            expectations.append(e.ExpectColumnValuesToBeNull(column=col.name))
        if col.personal:
            continue
        if col.not_null:
            expectations.append(e.ExpectColumnValuesToNotBeNull(column=col.name))
        if col.accepted:
            values = [int(v) for v in col.accepted] if col.type == "integer" else list(col.accepted)
            expectations.append(e.ExpectColumnValuesToBeInSet(column=col.name, value_set=values))
        if bounds := col.value_bounds():
            low, high = bounds
            expectations.append(
                e.ExpectColumnValuesToBeBetween(column=col.name, min_value=low, max_value=high)
            )
        if col.pattern:
            expectations.append(
                e.ExpectColumnValuesToMatchRegex(column=col.name, regex=f"^(?:{col.pattern})$")
            )
        if col.not_before:
            expectations.append(
                e.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=col.name,
                    column_B=col.not_before,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                )
            )
    key = list(spec.keys)
    if key and spec.load != "delta":
        if spec.load == "snapshot":
            key.append("_source_file")
        if len(key) == 1:
            expectations.append(e.ExpectColumnValuesToBeUnique(column=key[0]))
        else:
            expectations.append(e.ExpectCompoundColumnsToBeUnique(column_list=key))
    return gx.ExpectationSuite(name=suite_name(spec), expectations=expectations)


def suite_columns(suite: Any) -> list[str]:
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
