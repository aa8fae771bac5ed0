"""The retention schedule applied by the nightly job, on a small simulated county whose oldest contacts
are past their period.

The home is the shared small county, refreshed with the shipped schedule (shared_world.py: nothing
in the world is old enough), then refreshed with a schedule whose contact, call and e-form periods
end in the middle of the world's days: the nightly job removes every CRM contact, call and e-form
dated before the cut-off (raw, restricted, identity, marts, archive and quarantine copies), logs one
action per data class, publishes although more than half of fct_contacts went, withdraws the
releases built before and compacts the warehouse. A scan of every file under INSIGHT_HUB_HOME then
finds no identifier of the removed records (a spread sample of 60 of those no remaining record
shares), and the records after the cut-off are all still there.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date

import duckdb
import pytest
from cli_runs import run
from erasure_scan import identifiers, scan

from publication.completeness import reporting_date

pytestmark = pytest.mark.slow

# The cut-off removes more than half of fct_contacts' rows (52% on the shared world): the gate's
# row-count rule (gate_policy.yml, row_count.max_drop 0.5) would hold such a loss, but it counts from
# what the current release held less what retention removed since (ops.governance_log), so the
# release goes out.
CUTOFF = date(2025, 4, 20)
# The scan looks for a spread sample of the removed records' identifiers (each is searched for in
# every file in four encodings: all of them would take the scan hours).
SAMPLE = 60
DATED = {
    "crm": ("csc_crm_contacts", "contact_id", "created_at"),
    "eforms": ("web_eforms", "submission_id", "started_at"),
    "telephony": ("csc_telephony_cdr", "call_id", "offered_at"),
}


def short_schedule(path, days: int) -> None:
    path.write_text(
        "schedule:\n"
        + "".join(
            f"  - data_class: {name}\n    systems: [{system}]\n    period: {days} days\n"
            "    trigger: record_date\n    legal_basis: test\n"
            for name, system in (("contacts", "crm"), ("calls", "telephony"), ("forms", "eforms"))
        )
    )


def split(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[set[str], set[str]]]:
    """Per dated system: (record ids before the cut-off, record ids from it on)."""
    out = {}
    for system, (table, key, when) in DATED.items():
        rows = con.execute(f"select {key}, max({when}) < ? from raw.{table} group by 1", [CUTOFF]).fetchall()
        out[system] = ({r for r, old in rows if old}, {r for r, old in rows if not old})
    return out


@pytest.fixture(scope="module")
def retained(refreshed_world, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("retention")
    home = refreshed_world.checkout()
    before = root / "before.duckdb"
    shutil.copy(home / "warehouse.duckdb", before)
    with duckdb.connect(str(before), read_only=True) as con:
        parts = split(con)
        old = {(s, r) for s in ("crm", "eforms") for r in parts[s][0]}
        found = sorted(identifiers(con, old, parts["telephony"][0]))
        values = set(found[:: max(1, len(found) // SAMPLE)])
    releases_before = sorted(p.name for p in (home / "published" / "releases").iterdir())
    schedule = root / "retention.yml"
    with duckdb.connect(str(before), read_only=True) as con:
        as_of = reporting_date(con)  # the retention clock: the warehouse's reporting date
    short_schedule(schedule, (as_of - CUTOFF).days)
    os.environ["INSIGHT_HUB_RETENTION_SCHEDULE"] = str(schedule)
    try:
        result = run(home, "refresh", "--quiet")
    finally:
        del os.environ["INSIGHT_HUB_RETENTION_SCHEDULE"]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        after = split(con)
        log = con.execute(
            "select action, subject_hash, counts::varchar, details::varchar from ops.governance_log"
        ).fetchall()
        redactions = con.execute("select count(*), sum(lines_removed) from ops.file_redactions").fetchone()
        contacts_after = con.execute("select count(*) from bi.fct_contacts").fetchone()[0]
    with duckdb.connect(str(before), read_only=True) as con:
        contacts_before = con.execute("select count(*) from bi.fct_contacts").fetchone()[0]
    return {
        "home": home,
        "refresh": result,
        "parts": parts,
        "after": after,
        "values": values,
        "scan": scan(home, values),
        "log": log,
        "redactions": redactions,
        "contacts": (contacts_before, contacts_after),
        "releases before": releases_before,
        "releases after": sorted(p.name for p in (home / "published" / "releases").iterdir()),
    }


def test_the_world_has_records_on_both_sides_of_the_cutoff(retained):
    for system, (old, new) in retained["parts"].items():
        assert old and new, system
    assert len(retained["values"]) >= 30


def test_records_past_their_period_are_removed_and_the_others_kept(retained):
    code, output = retained["refresh"]
    assert code == 0 and "published release" in output, output
    for system, (_, new) in retained["parts"].items():
        left_old, left_new = retained["after"][system]
        assert left_old == set(), system
        assert left_new == new, system
    # More than half of a published table went, and the gate let the release out: retention said so.
    before, after = retained["contacts"]
    assert after < before / 2


def test_each_data_class_is_one_action_in_the_governance_log(retained):
    actions = [row for row in retained["log"] if row[0] == "retention"]
    assert len(actions) == 3
    for _, subject, counts, details in actions:
        assert subject is None and json.loads(counts)
        assert json.loads(details)["cutoff"] == CUTOFF.isoformat()
    files, lines = retained["redactions"]
    assert files >= 10 and lines >= len(retained["parts"]["crm"][0])


def test_no_file_under_the_home_holds_the_removed_records_identifiers(retained):
    assert retained["scan"] == {}


def test_the_releases_built_before_are_withdrawn(retained):
    before, after = retained["releases before"], retained["releases after"]
    assert not set(before) & set(after) and len(after) == 1
