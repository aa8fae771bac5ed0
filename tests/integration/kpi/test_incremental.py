"""The incremental warehouse equals a full rebuild of the same files, table by table (issue 17).

A world with late files, corrected re-sends, refused files and quarantined rows is delivered five
days a night; dbt runs after some nights as the nightly job would (the first run builds every
table, later ones rebuild the window of the new files, or everything when reference data changed).
A copy of the last warehouse is then rebuilt with --full-refresh from the same raw tables, and every
table and view of `intermediate` and `bi` is compared as a multiset of row hashes.
"""

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import MODELS_ONLY, Nights, dbt_build

from ingestion.layout import Layout
from orchestration.warehouse import full_refresh_reason

pytestmark = pytest.mark.slow  # the defects world (conftest: fifteen nights, four dbt runs), a full rebuild

INCREMENTAL_MODELS = (
    "int_fi_lines",
    "int_contacts",
    "int_contact_repeats",
    "fct_spend",
    "fct_payments",
    "fct_contacts",
)


def _relation_hashes(home: Path) -> dict[str, tuple[int, int]]:
    """Per relation of intermediate and bi: (rows, order-independent sum of the rows' hashes)."""
    con = duckdb.connect(str(Layout(home).warehouse), read_only=True)
    try:
        names = [
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('intermediate', 'bi') order by all"
            ).fetchall()
        ]
        return {
            name: con.execute(
                f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {name} as t"
            ).fetchone()
            for name in names
        }
    finally:
        con.close()


def test_the_nights_were_incremental_and_took_late_and_corrected_files(defects_nights: Nights):
    home, logs, first_build_at = defects_nights.home, defects_nights.logs, defects_nights.first_build_at
    first, *later = logs
    assert all(f"{model}: full build" in first for model in INCREMENTAL_MODELS)
    assert all("int_contacts: incremental build from" in log for log in later)
    # the contact models: CRM contacts and calls arrive every day, and nothing they read is a reference
    assert all(
        f"{m}: incremental build from" in log
        for log in later
        for m in ("int_contact_repeats", "fct_contacts")
    )
    assert any("int_fi_lines: incremental build from" in log for log in later)
    assert any("fct_spend: incremental build from" in log for log in later)
    assert any("fct_payments: incremental build from" in log for log in later)
    assert "int_fi_lines: full build" in logs[-1] and "reference data changed" in logs[-1]
    # the nightly job's digest (from the manifest) is the one dbt stored: it would not rebuild whole
    manifest = json.loads((Layout(home).dbt_target / "manifest.json").read_text())
    assert full_refresh_reason(Layout(home).warehouse, manifest) is None
    con = duckdb.connect(str(Layout(home).warehouse), read_only=True)
    try:  # loaded after the first build: a corrected re-send and a late file of the incremental feeds
        resent, late = con.execute(
            """select
                   (select count(*) from ops.file_register
                    where version > 1 and status in ('loaded', 'loaded_with_quarantine')
                      and processed_at > $first
                      and table_name in ('ibc_fi_items', 'ibc_payments', 'csc_crm_contacts', 'ibc_lfa1')),
                   (select count(*) from ops.file_register f
                    where f.status <> 'quarantined' and f.processed_at > $first
                      and f.table_name in ('ibc_fi_items', 'ibc_payments', 'csc_crm_contacts', 'ibc_lfa1')
                      and exists (
                        select 1 from ops.file_register g
                        where g.table_name = f.table_name and g.file_date > f.file_date
                          and g.processed_at < f.processed_at and g.status <> 'quarantined'))""",
            {"first": first_build_at},
        ).fetchall()[0]
    finally:
        con.close()
    assert resent > 0 and late > 0


def test_the_incremental_warehouse_equals_a_full_rebuild_table_by_table(
    defects_nights: Nights, tmp_path: Path
):
    home = defects_nights.home
    incremental = _relation_hashes(home)
    shutil.copy(Layout(home).warehouse, Layout(tmp_path).warehouse)
    rebuilt_log = dbt_build(tmp_path, *MODELS_ONLY, "--full-refresh")
    assert "fct_spend: full build" in rebuilt_log
    rebuilt = _relation_hashes(tmp_path)

    assert set(incremental) == set(rebuilt)
    assert all(f"intermediate.{m}" in rebuilt or f"bi.{m}" in rebuilt for m in INCREMENTAL_MODELS)
    assert rebuilt["bi.fct_spend"][0] > 0 and rebuilt["bi.fct_payments"][0] > 0
    differing = {
        name: (incremental[name], rebuilt[name]) for name in rebuilt if incremental[name] != rebuilt[name]
    }
    assert differing == {}


def _reassign_customers(warehouse: Path) -> None:
    """What a night's identity resolution may do without any new file: move a repeat contact (one
    logged on a call, if any is) to another customer, and leave another contact unresolved."""
    con = duckdb.connect(str(warehouse))
    try:
        [(moved, key)] = con.execute(
            """select r.contact_id, r.customer_key from intermediate.int_contact_repeats r
               join intermediate.int_contacts c using (contact_id)
               where r.is_repeat_contact_7d order by c.call_id is null, r.contact_id limit 1"""
        ).fetchall()
        con.execute(
            """update restricted.customer_xref set customer_key = (
                   select min(customer_key) from restricted.customer_xref
                   where source_system = 'crm' and customer_key <> $key)
               where source_system = 'crm' and source_record_id = $moved""",
            {"key": key, "moved": moved},
        )
        con.execute(
            """delete from restricted.customer_xref where source_system = 'crm' and source_record_id = (
                   select min(contact_id) from intermediate.int_contact_repeats
                   where contact_id <> $moved and customer_key <> $key)""",
            {"key": key, "moved": moved},
        )
    finally:
        con.close()


def test_customers_reassigned_by_identity_rebuild_the_contact_rows_they_touch(
    defects_nights: Nights, tmp_path: Path
):
    """No new file, but identity moved a contact to another customer and unresolved another: the
    incremental build (the stale rows deleted, the missing ones built) equals a full rebuild."""
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    for home in (incremental, full):
        home.mkdir()
        shutil.copy(Layout(defects_nights.home).warehouse, Layout(home).warehouse)
        _reassign_customers(Layout(home).warehouse)
    before = _relation_hashes(incremental)

    log = dbt_build(incremental, *MODELS_ONLY)
    assert all(
        f"{m}: incremental build (new or changed files)" in log
        for m in ("int_contact_repeats", "fct_contacts")
    )
    dbt_build(full, *MODELS_ONLY, "--full-refresh")
    after, rebuilt = _relation_hashes(incremental), _relation_hashes(full)

    assert after["bi.fct_contacts"] != before["bi.fct_contacts"]
    assert after["intermediate.int_contact_repeats"] != before["intermediate.int_contact_repeats"]
    assert {name for name in rebuilt if after[name] != rebuilt[name]} == set()
