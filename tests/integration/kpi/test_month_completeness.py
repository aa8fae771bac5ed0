"""A month with a missing daily file is published saying so (contracts/kpis.md, Completeness): a
world whose telephony file of one day never arrived goes through the real nightly job, and the
release it publishes shows that month incomplete with one missing day in kpi_csc_monthly."""

import json
from datetime import date

import duckdb
import pytest
from private_home import run_job

from ingestion.csc_telephony import CDR
from ingestion.layout import Layout, Release
from simulator import simulate

pytestmark = pytest.mark.slow  # simulate, then the whole nightly job

# March and April 2025 end before the reporting date (~9 May); May is the partial last month.
WORLD = {"scale": 0.01, "start": date(2025, 3, 1), "days": 70, "seed": 11, "defects": 0.0}
MISSING_DAY = date(2025, 4, 10)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The release the nightly job published from a world without the CDR file of MISSING_DAY."""
    home = tmp_path_factory.mktemp("completeness") / "home"
    simulate(home, **WORLD)
    (cdr_file,) = (Layout(home).landing / CDR.feed_path).glob(f"*{MISSING_DAY:%Y%m%d}*")
    cdr_file.unlink()
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = run_job(home, "nightly_refresh", monkeypatch)
    assert result.success
    return Release(Layout(home).published.current.resolve())


def monthly(release: Release, mart: str) -> dict[date, set[tuple[int, bool]]]:
    """month -> the distinct (missing_source_days, is_complete) of the mart's rows of that month."""
    con = duckdb.connect(str(release.database), read_only=True)
    try:
        rows = con.execute(
            f"select distinct month, missing_source_days, is_complete from bi.{mart} order by all"
        ).fetchall()
    finally:
        con.close()
    months: dict[date, set[tuple[int, bool]]] = {}
    for month, missing, complete in rows:
        months.setdefault(month, set()).add((missing, complete))
    return months


def test_the_month_missing_a_telephony_day_is_published_incomplete_and_every_other_ended_month_complete(
    release: Release,
):
    csc = monthly(release, "kpi_csc_monthly")
    reporting_date = date.fromisoformat(json.loads(release.manifest.read_text())["reporting_date"])
    last_month = reporting_date.replace(day=1)
    assert sorted(csc) == [date(2025, 3, 1), date(2025, 4, 1), last_month]
    assert csc[date(2025, 4, 1)] == {(1, False)}  # every service's row of April says so
    assert csc[date(2025, 3, 1)] == {(0, True)}
    # The last month has not ended by the reporting date: never complete, by definition, though no
    # file is missing in it. "Every other month complete" means every other month that has ended.
    assert csc[last_month] == {(0, False)}


def test_the_missing_telephony_day_concerns_only_the_marts_built_from_telephony(release: Release):
    for mart in ("kpi_digital_monthly", "kpi_spend_monthly", "kpi_workforce_monthly"):
        assert monthly(release, mart)[date(2025, 4, 1)] == {(0, True)}, mart
    manifest = json.loads(release.manifest.read_text())
    assert {"table": CDR.table, "day": MISSING_DAY.isoformat()} in manifest["completeness"]["missing"]
