"""Bad values the loader rightly lets through (they are valid dates and numbers) and the raw Great
Expectations suites judge: dates out of range and negative quantities, on every feed.

Such a value loads; the feed's suite `raw_<table>` (generated from its FeedSpec) then fails on its
column, and the gate policy
decides: a blocking suite fails the nightly run (nothing is published, the run names the check), a
warning suite reports it and the release goes ahead. Personal columns are never examined by a suite
(a date of birth out of range becomes age band `Unknown` or `85+` in dim_customer).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from feed_files import OUT_OF_RANGE, FeedFile, file_name

from expectations.raw_feeds import feed_suite, suite_columns
from expectations.runner import run_suite
from ingestion import FEEDS
from ingestion.contract import FeedSpec
from ingestion.landing import ingest_feed

DAY = date(2025, 4, 1)
NEGATIVE = {"decimal": "-37.5", "integer": "-3", "sap_signed_amount": "-155.22"}
# Where a negative value is legitimate: budget lines are signed (contract), care payment amounts can
# be credits (adjustments), a benefit can be forecast or delivered negative (a cost overrun), and a
# purchase card refund is negative in its amount and its VAT.
MAY_BE_NEGATIVE = {"WTGBTR", "amount_gbp", "vat_gbp", "forecast_gbp", "delivered_gbp"}


def load_and_validate(home: Path, spec: FeedSpec, f: FeedFile) -> tuple[list[tuple], list[str], bool]:
    """Ingest the file and run its raw suite: (refused columns and checks, failing columns, success)."""
    f.write(home, file_name(spec, DAY))
    con = duckdb.connect()
    try:
        ingest_feed(con, home, spec)
        refused = con.execute("select column_name, check_name from ops.quarantined_rows").fetchall()
        suite = feed_suite(spec)
        columns = ", ".join(f'"{c}"' for c in suite_columns(suite))
        df = con.sql(f"select {columns} from raw.{spec.table}").to_arrow_table().to_pandas()
    finally:
        con.close()
    outcome = run_suite(suite, df, blocking=True)
    failing = [x["kwargs"].get("column") or x["kwargs"].get("column_A") for x in outcome.failed]
    return refused, failing, outcome.success


def examined_dates(spec: FeedSpec) -> list[str]:
    return [c.name for c in spec.columns if c.type in OUT_OF_RANGE and not c.personal]


@pytest.mark.parametrize("spec", FEEDS, ids=lambda s: s.table)
def test_a_valid_file_passes_its_raw_suite(tmp_path: Path, spec: FeedSpec):
    refused, failing, success = load_and_validate(tmp_path, spec, FeedFile.valid(spec))
    assert (refused, failing, success) == ([], [], True)


@pytest.mark.parametrize("spec", [s for s in FEEDS if examined_dates(s)], ids=lambda s: s.table)
def test_a_date_out_of_range_loads_and_fails_the_raw_suite(tmp_path: Path, spec: FeedSpec):
    f = FeedFile.valid(spec)
    f.set_all(tuple(OUT_OF_RANGE), OUT_OF_RANGE)  # 2199: a calendar date, but no business date
    refused, failing, success = load_and_validate(tmp_path, spec, f)
    assert refused == []  # the loader takes a valid date ...
    assert not success and set(failing) <= set(examined_dates(spec)) and failing  # ... the suite does not


@pytest.mark.parametrize(
    "spec", [s for s in FEEDS if any(c.type in NEGATIVE for c in s.columns)], ids=lambda s: s.table
)
def test_a_negative_quantity_is_refused_or_fails_the_raw_suite_unless_the_contract_allows_it(
    tmp_path: Path, spec: FeedSpec
):
    f = FeedFile.valid(spec)
    changed = f.set_all(tuple(NEGATIVE), NEGATIVE)
    refused, failing, success = load_and_validate(tmp_path, spec, f)
    refused_columns = {column for column, _ in refused}
    caught = {c for c in changed if c in refused_columns or c in failing}
    assert set(changed) - caught <= MAY_BE_NEGATIVE, f"negative values passed: {set(changed) - caught}"
    assert not caught & MAY_BE_NEGATIVE, f"legitimate negatives refused: {caught & MAY_BE_NEGATIVE}"
    assert success == (not failing)
