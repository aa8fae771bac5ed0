"""The release is the audited thing: every way of asking for a release publishes only content on
which every blocking check passed, and every failure leaves `current` byte for byte as it was.

Runs on the publication world (conftest) after test_publish.py; a test that damages the world
restores it. The world's instance holds the check evaluations the publish step looks up; the
nightly-run failures use instances of their own, so their failed checks stay out of it.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from private_home import definitions, run_job
from published_world import RELEASE_KEY, released
from test_publish import tree_state

from publication.release import list_releases

pytestmark = pytest.mark.slow

PARTIAL = dg.define_asset_job(
    "dim_date_and_release", selection=dg.AssetSelection.assets(dg.AssetKey(["bi", "dim_date"]), RELEASE_KEY)
)


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """Every failed step's reason: a refusal's text, or its error with every cause."""
    texts = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            if data.user_failure_data is not None:
                texts.append(data.user_failure_data.description or "")
            error = data.error
            while error is not None:
                texts.append(error.message)
                error = error.cause
    return "\n".join(texts)


def failed_blocking_checks(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        f"{e.event_specific_data.asset_key.to_user_string()}:{e.event_specific_data.check_name}"
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and e.event_specific_data.blocking
        and not e.event_specific_data.passed
    }


@contextmanager
def damaged(home: Path, tables: tuple[str, ...], *statements: str) -> Iterator[None]:
    """The world changed by `statements` for the duration; then `tables` get their rows back
    (the same content, so the same fingerprints) in their own definitions."""
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    for table in tables:
        con.execute(f"create table {table}__kept as select * from {table}")
    for statement in statements:
        con.execute(statement)
    con.close()
    try:
        yield
    finally:
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        for table in tables:
            con.execute(f"delete from {table}")
            con.execute(f"insert into {table} select * from {table}__kept")
            con.execute(f"drop table {table}__kept")
        con.close()


@pytest.fixture
def world(published, world_instance, monkeypatch):
    """The world's home, with `run(job)` and `materialize_release()` on its instance."""
    home, _ = published

    def run(job: str, instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
        return run_job(home, job, monkeypatch, extra_jobs=(PARTIAL,), instance=instance or world_instance)

    def materialize_release() -> dg.ExecuteInProcessResult:
        monkeypatch.setenv("INSIGHT_HUB_HOME", str(home))
        defs = definitions()
        return dg.materialize(
            [defs.get_assets_def(RELEASE_KEY)],
            instance=world_instance,
            resources=defs.resources,
            raise_on_error=False,
        )

    return home, run, materialize_release


# kpi_csc_monthly damaged twice: an abandonment rate of 7.5 and a duplicated month x service row.
KPI_CSC = "bi.kpi_csc_monthly"
KPI_CSC_DAMAGE = (
    f"update {KPI_CSC} set abandonment_rate = 7.5 "
    f"where (month, service) = (select (month, service) from {KPI_CSC} order by month, service limit 1)",
    f"insert into {KPI_CSC} select * from {KPI_CSC} order by month desc, service limit 1",
)


def test_the_checks_of_a_publish_vouch_for_what_it_published(world):
    home, run, materialize_release = world
    result = run("publish_release")
    assert result.success and released(result)
    manifest = json.loads((home / "published" / "current" / "manifest.json").read_text())
    for table, described in manifest["tables"].items():
        assert described["fingerprint"].startswith(f"v1-{described['rows']}-"), table
        assert f"gx_{table}" in described["checks_passed"], table
    kpi = manifest["tables"]["kpi_csc_monthly"]["checks_passed"]
    assert any(name.startswith("unique_combination") for name in kpi), kpi  # a dbt test
    blocking = [c for c in manifest["checks"] if c["blocking"] and c["asset"].startswith("bi/")]
    assert blocking and all(c["passed"] and c["on_published_content"] for c in blocking)

    # Nothing changed since: the release asset alone, called from Python, finds those evaluations.
    again = materialize_release()
    assert again.success, failure_text(again)
    assert (
        json.loads((home / "published" / "current" / "manifest.json").read_text())["tables"]
        == (manifest["tables"])
    )


def test_a_damaged_table_is_published_by_no_path(world):
    home, run, materialize_release = world
    before = tree_state(home / "published")
    releases = list_releases(home / "published")

    with damaged(home, (KPI_CSC,), *KPI_CSC_DAMAGE):
        alone = materialize_release()  # a Python call; the UI's Materialize of the release alone
        partial = run("dim_date_and_release")  # a partial selection that rebuilds another table
        gated = run("publish_release")  # the checks run again on the damaged table

    for result in (alone, partial):
        assert not result.success and not released(result)
        text = failure_text(result)
        assert "release refused" in text and "insight-hub publish" in text
        assert "bi/kpi_csc_monthly:gx_kpi_csc_monthly: STALE" in text
        assert "bi/kpi_csc_monthly:unique_combination" in text
        assert "bi/fct_spend" not in text  # an unchanged table's checks still vouch for it
    assert not gated.success and not released(gated)
    failed = failed_blocking_checks(gated)
    assert any(c.startswith("bi/kpi_csc_monthly:unique_combination") for c in failed), failed
    assert any(c.startswith("bi/kpi_csc_monthly:between_kpi_csc_monthly_abandonment_rate") for c in failed)
    assert tree_state(home / "published") == before
    assert list_releases(home / "published") == releases  # no release folder left behind

    # Restored, the table's latest verdict is still the failure: a publish runs the checks again.
    refused = materialize_release()
    text = failure_text(refused)
    assert not refused.success and "FAILED" in text
    # The refusal names the columns the failed tests judged, never the values.
    assert re.search(r"between_kpi_csc_monthly_abandonment_rate\S*: FAILED in column abandonment_rate ", text)
    assert "FAILED in columns month, service" in text, text
    assert "7.5" not in text
    republished = run("publish_release")
    assert republished.success and released(republished)


def test_a_failed_publish_step_leaves_no_release_behind(world, monkeypatch):
    home, _, materialize_release = world
    before = tree_state(home / "published")

    def broken_switch(published, release_id):
        raise OSError("disk full while switching current")

    monkeypatch.setattr("orchestration.publication.switch_current", broken_switch)
    result = materialize_release()
    assert not result.success and "disk full" in failure_text(result)
    assert tree_state(home / "published") == before


# The nightly job on damaged inputs: each fails before publishing and leaves `current` as it was.
# Each uses an instance of its own, so the world's instance keeps only good evaluations.
NIGHTLY_FAILURES = {
    "a failing blocking raw suite": (
        ("raw.csc_telephony_cdr",),
        "update raw.csc_telephony_cdr set talk_s = -5 "
        "where rowid = (select min(rowid) from raw.csc_telephony_cdr)",
        "raw/csc_telephony_cdr:gx_raw_csc_telephony_cdr",
    ),
    "a row-conservation break": (
        ("raw.csc_crm_contacts",),
        "delete from raw.csc_crm_contacts where rowid = (select min(rowid) from raw.csc_crm_contacts)",
        "raw/csc_crm_contacts:row_conservation",
    ),
    "a failing dbt test of severity error": (
        ("ops.file_register", "bi.data_quality_summary"),  # dbt rebuilds the mart before testing it
        "update ops.file_register set sha256 = null where rowid = (select min(rowid) from ops.file_register)",
        "bi/data_quality_summary:not_null_data_quality_summary_file_sha256",
    ),
}


@pytest.mark.parametrize("failure", list(NIGHTLY_FAILURES))
def test_a_nightly_run_that_fails_its_gate_publishes_nothing(world, failure):
    home, run, _ = world
    tables, damage, check = NIGHTLY_FAILURES[failure]
    before = tree_state(home / "published")
    releases = list_releases(home / "published")
    with damaged(home, tables, damage):
        result = run("nightly_refresh", instance=dg.DagsterInstance.ephemeral())
    assert not result.success and not released(result)
    assert check in failed_blocking_checks(result)
    assert tree_state(home / "published") == before
    assert list_releases(home / "published") == releases
