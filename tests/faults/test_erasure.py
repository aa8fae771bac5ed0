"""`insight-hub erase` of a resident present in three source systems, on a small simulated county.

The home is the shared small county, refreshed (shared_world.py), then the resident (chosen from the
simulator's truth: records in CRM and two more systems, resolved as one customer, with calls) is
erased by one of their records. Then:

- a scan of every file under INSIGHT_HUB_HOME (the simulator's truth aside: the outside world's
  record, never read by the platform) finds none of their identifiers: in the bytes, as UTF-8,
  Windows-1252 and UTF-16 (either order), case-insensitive, and in the values of every DuckDB,
  Parquet and SQLite file (their storage compresses text, so bytes alone could miss a value);
  identifiers are the person's names, email addresses, phone numbers, addresses, postcodes, NHS
  numbers and dates of birth that no other resident's record shares (a family's shared email
  address is the family's too, and stays);
- the releases built before are withdrawn and the new one holds none of their rows;
- the KPI totals change only by their records: every other bi table is unchanged, fct_contacts
  lost exactly their rows (their contacts, and their calls: those their contacts name and those
  from their own phone number) and the monthly contact KPIs exactly their contacts;
- a re-delivery of the original file holding their CRM contact loads without it, counted in the
  register's `suppressed_by_erasure`, and the archived copy is rewritten without it.
"""

from __future__ import annotations

import shutil
import time

import duckdb
import pytest
from bi_checksums import bi_checksums
from cli_runs import run, sha256
from erasure_scan import age, calls_of, choose, identifiers, scan, truth

pytestmark = pytest.mark.slow

CHANGED_BY_A_PERSON = {
    "fct_contacts",
    "customer_360",
    "dim_customer",
    "kpi_csc_monthly",
    "kpi_csc_daily",
    "kpi_digital_monthly",
}
# Tables that count files and rows of the register, or derive from the contact counts.
ALSO_CHANGED = {
    "data_quality_summary",
    "open_csc_monthly",
    "open_digital_monthly",
    "csc_demand_forecast",
    "csc_staffing_requirement",
    "csc_forecast_accuracy",
    "restatements",  # the erased person's contacts restate closed months of the contact KPIs (below)
}


@pytest.fixture(scope="module")
def erased(refreshed_world, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("erasure")
    home = refreshed_world.checkout()
    before = root / "before.duckdb"
    shutil.copy(home / "warehouse.duckdb", before)
    with duckdb.connect(str(before), read_only=True) as con:
        records = choose(con, truth(home))
        calls = calls_of(con, records)  # the calls their contacts name and those from their own number
        values = identifiers(con, records, calls)
        crm = [r for s, r in records if s == "crm"]
        contact_files = [
            row[0]
            for row in con.execute(
                "select distinct _source_file from raw.csc_crm_contacts where contact_id in "
                "(select unnest(?::varchar[]))",
                [crm],
            ).fetchall()
        ]
        their_contacts = con.execute(
            "select count(*) from bi.fct_contacts where source_system = 'crm' "
            "and source_record_id in (select unnest(?::varchar[]))",
            [crm],
        ).fetchone()[0]
    originals = root / "originals"
    originals.mkdir()
    for name in contact_files:
        shutil.copy2(home / "archive" / "csc" / "crm" / name, originals / name)
    seen: dict = {"records": records, "calls": calls, "values": values, "their_contacts": their_contacts}
    seen["scan before"] = scan(home, values)
    releases_before = sorted(p.name for p in (home / "published" / "releases").iterdir())
    system, record_id = sorted(records)[-1]
    started = time.monotonic()
    seen["erase"] = run(home, "erase", "--system", system, "--record", record_id, "--quiet")
    seen["erase seconds"] = time.monotonic() - started
    seen["releases before"] = releases_before
    seen["releases after"] = sorted(p.name for p in (home / "published" / "releases").iterdir())
    seen["current after erase"] = (home / "published" / "current").resolve().name
    seen["scan after erase"] = scan(home, values)
    seen["totals"] = (bi_checksums(before), bi_checksums(home / "warehouse.duckdb"))
    # The CRM re-delivers the file holding their first contact, as it was.
    redelivered = contact_files[0]
    shutil.copy2(originals / redelivered, home / "landing" / "csc" / "crm" / redelivered)
    age(home / "landing")
    seen["redelivery"] = run(home, "refresh", "--quiet")
    seen["redelivered"] = redelivered
    seen["scan after redelivery"] = scan(home, values)
    return {"home": home, "before": before, **seen}


def test_erase_succeeds_and_the_scan_before_finds_the_person(erased):
    code, output = erased["erase"]
    assert code == 0, output
    assert "published release" in output
    assert len(erased["values"]) >= 3  # a name, a contact detail, a date of birth at least
    # The scan sees them before: in the warehouse, the archive and the published release.
    places = " ".join(erased["scan before"])
    assert "warehouse.duckdb" in places and "archive/" in places


def test_after_erase_no_file_under_the_home_holds_the_persons_identifiers(erased):
    assert erased["scan after erase"] == {}


def test_releases_built_before_the_erasure_are_withdrawn(erased):
    before, after = erased["releases before"], erased["releases after"]
    assert before and not set(before) & set(after) and len(after) == 1
    assert erased["current after erase"] == after[0]


def test_kpi_totals_change_only_by_the_persons_records(erased):
    before, after = erased["totals"]
    unchanged = set(before) - CHANGED_BY_A_PERSON - ALSO_CHANGED
    assert {t: after[t] for t in unchanged} == {t: before[t] for t in unchanged}
    with duckdb.connect() as con:
        con.execute(f"attach '{erased['before']}' as b (read_only)")
        con.execute(f"attach '{erased['home'] / 'warehouse.duckdb'}' as a (read_only)")
        crm = [r for s, r in erased["records"] if s == "crm"]
        eforms = [r for s, r in erased["records"] if s == "eforms"]
        # fct_contacts: exactly their rows are gone, nothing else moved
        gone = con.execute(
            "select count(*) from (from b.bi.fct_contacts except all from a.bi.fct_contacts)"
        ).fetchone()[0]
        added = con.execute(
            "select count(*) from (from a.bi.fct_contacts except all from b.bi.fct_contacts)"
        ).fetchone()[0]
        # their rows: their contacts and calls by customer key, and their calls no contact names
        theirs = con.execute(
            "select count(*) from b.bi.fct_contacts where customer_key in (select customer_key from "
            "b.restricted.customer_xref where source_system = 'crm' and source_record_id in "
            "(select unnest(?::varchar[]))) or (source_system = 'telephony' and source_record_id in "
            "(select unnest(?::varchar[])))",
            [crm, sorted(erased["calls"])],
        ).fetchone()[0]
        assert gone == theirs >= erased["their_contacts"] >= 1 and added == 0
        contacts = [
            con.execute(f"select sum(contacts) from {db}.bi.kpi_csc_monthly").fetchone()[0]
            for db in ("b", "a")
        ]
        assert contacts[0] - contacts[1] == erased["their_contacts"]
        forms = [
            con.execute(f"select sum(forms_started) from {db}.bi.kpi_digital_monthly").fetchone()[0]
            for db in ("b", "a")
        ]
        submitted = con.execute(
            "select count(*) from b.raw.web_eforms where submission_id in (select unnest(?::varchar[]))",
            [eforms],
        ).fetchone()[0]
        assert forms[0] - forms[1] == submitted
        # The rebuild restates closed months of the contact KPIs, by no file, and nothing else.
        restated = con.execute("select distinct table_name, source_files from a.bi.restatements").fetchall()
        assert {table for table, _ in restated} <= {"kpi_csc_monthly", "kpi_csc_daily", "kpi_digital_monthly"}
        assert all(not files for _, files in restated), restated


def test_a_redelivered_file_loads_without_the_person_and_is_rewritten_on_archive(erased):
    code, output = erased["redelivery"]
    assert code == 0, output
    home, name = erased["home"], erased["redelivered"]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        version, status, suppressed, sha = con.execute(
            "select version, status, suppressed_by_erasure, sha256 from ops.file_register "
            "where feed_path = 'csc/crm' and file_name = ? order by version desc limit 1",
            [name],
        ).fetchone()
        crm = [r for s, r in erased["records"] if s == "crm"]
        held = con.execute(
            "select count(*) from raw.csc_crm_contacts where contact_id in (select unnest(?::varchar[]))",
            [crm],
        ).fetchone()[0]
        rewrites = con.execute(
            "select count(*) from ops.file_redactions where file_name = ? and version = ?", [name, version]
        ).fetchone()[0]
    assert version == 2 and status.startswith("loaded") and suppressed >= 1 and held == 0
    assert rewrites == 1
    assert sha256(home / "archive" / "csc" / "crm" / name) == sha
    assert erased["scan after redelivery"] == {}
