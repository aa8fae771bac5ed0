"""Every KPI mart agrees with the KPI dictionary recomputed independently from the raw extracts, on a
clean world and on a world with defects (refused files, quarantined rows, re-sent files, late files)."""

import shutil
from pathlib import Path

import duckdb
import pytest
from recompute import MARTS, compare

pytestmark = pytest.mark.slow  # needs the small simulated world (simulate, ingest, dbt build)


@pytest.fixture(scope="module")
def warehouse(small_world: Path):
    con = duckdb.connect(str(small_world / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def defects_warehouse(defects_world: Path):
    con = duckdb.connect(str(defects_world / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("mart", list(MARTS))
def test_mart_agrees_with_the_independent_recomputation(warehouse, mart):
    comparison = compare(warehouse, mart)

    assert comparison.rows > 0
    assert comparison.mismatches == []


@pytest.mark.parametrize("mart", list(MARTS))
def test_mart_agrees_with_the_independent_recomputation_on_a_world_with_defects(defects_warehouse, mart):
    comparison = compare(defects_warehouse, mart)

    assert comparison.rows > 0
    assert comparison.mismatches == []


def test_the_defects_world_holds_each_defect_the_recomputation_must_survive(defects_warehouse):
    """Refused files, files loaded with quarantined rows, re-sent files (a second version loaded),
    late files (loaded after a newer file of their feed), and months that say they are incomplete."""
    refused, quarantined_rows, resent, late, incomplete_with_gaps = defects_warehouse.execute(
        """select
               (select count(*) from ops.file_register where status = 'quarantined'),
               (select count(*) from ops.file_register where status = 'loaded_with_quarantine'),
               (select count(*) from ops.file_register
                where version > 1 and status in ('loaded', 'loaded_with_quarantine')),
               (select count(*) from ops.file_register f
                where f.status <> 'quarantined' and exists (
                    select 1 from ops.file_register g
                    where g.table_name = f.table_name and g.file_date > f.file_date
                      and g.processed_at < f.processed_at and g.status <> 'quarantined')),
               (select count(*) from bi.kpi_csc_monthly where missing_source_days > 0 and not is_complete)"""
    ).fetchall()[0]
    assert refused > 0 and quarantined_rows > 0 and resent > 0 and late > 0
    assert incomplete_with_gaps > 0


def test_the_world_exercises_the_tricky_rules(warehouse):
    """The agreement above means something only if the world holds the edge cases."""
    facts = warehouse.execute(
        """select
               (select count(*) from bi.fct_contacts where is_short_abandon),
               (select count(*) from bi.fct_contacts where is_abandoned),
               (select count(*) from bi.fct_spend where document_type = 'KG'),
               (select count(distinct contract_status) from bi.fct_spend),
               (select count(distinct payment_band) from bi.fct_payments),
               (select count(*) from bi.fct_contacts
                where source_system = 'telephony' and contact_at_local >= timestamp '2025-03-30 02:00:00'
                  and contact_at_local < timestamp '2025-04-01'),
               (select sum(sickness_days) from bi.kpi_workforce_monthly),
               (select count(distinct status) from bi.care_bdu_reconciliation)"""
    ).fetchall()[0]
    short_abandons, abandoned, credit_notes, statuses, bands, after_clock_change, sickness, bdu = facts
    assert short_abandons > 0 and abandoned > 0
    assert credit_notes > 0
    assert statuses == 3
    assert bands >= 2
    assert after_clock_change > 0
    assert sickness > 0
    assert bdu >= 1


def test_the_comparison_catches_a_wrong_number(small_world: Path, tmp_path: Path):
    """A count off by one, a rate nudged by 1e-6, a rate made NULL, a lost row, a missing day too many
    and a flipped completeness flag are all reported."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(small_world / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            """update bi.kpi_csc_monthly set calls_offered = calls_offered + 1
               where (month, service) = (select (month, service) from bi.kpi_csc_monthly
                                         order by all limit 1)"""
        )
        con.execute(
            """update bi.kpi_digital_monthly set completion_rate = completion_rate + 1e-6
               where completion_rate is not null and form = (select min(form) from bi.kpi_digital_monthly)"""
        )
        con.execute(
            """update bi.kpi_payment_performance_monthly set pct_paid_within_30_days = null
               where (month, directorate) = (select (month, directorate)
                                             from bi.kpi_payment_performance_monthly
                                             where invoices_paid > 0 order by all limit 1)"""
        )
        con.execute(
            "delete from bi.care_bdu_reconciliation where bdu_batch_id = (select min(bdu_batch_id) "
            "from bi.care_bdu_reconciliation)"
        )
        con.execute(
            """update bi.kpi_spend_monthly set missing_source_days = missing_source_days + 1
               where month = (select min(month) from bi.kpi_spend_monthly)"""
        )
        con.execute(
            """update bi.kpi_workforce_monthly set is_complete = not is_complete
               where (month, directorate) = (select (month, directorate) from bi.kpi_workforce_monthly
                                             order by all limit 1)"""
        )
        csc, digital, payments, care, spend, workforce = (
            compare(con, m)
            for m in (
                "kpi_csc_monthly",
                "kpi_digital_monthly",
                "kpi_payment_performance_monthly",
                "care_bdu_reconciliation",
                "kpi_spend_monthly",
                "kpi_workforce_monthly",
            )
        )
    finally:
        con.close()
    assert len(csc.mismatches) == 1 and "calls_offered" in csc.mismatches[0]
    assert digital.mismatches and all("completion_rate" in m for m in digital.mismatches)
    assert len(payments.mismatches) == 1 and "pct_paid_within_30_days" in payments.mismatches[0]
    assert care.mismatches == [care.mismatches[0]] and "expected but not published" in care.mismatches[0]
    assert spend.mismatches and all("missing_source_days" in m for m in spend.mismatches)
    assert len(workforce.mismatches) == 1 and "is_complete" in workforce.mismatches[0]
