"""How `make test` shares the suite between its two processes (pytest-xdist, docs/testing.md).

As `--dist loadfile` (each test module whole on one process), with two changes that shorten the run:
- modules that borrow one session-scoped world (a refreshed county, a published release) are one
  unit of work, so that world is built once, not once per process;
- the longest units start first, so no long module starts late and ends the run alone.

xdist's own grouping (`--dist loadgroup` with `xdist_group` marks) does not work with pytest 9:
xdist 3.8.0 appends the group to the item's `_nodeid`, which pytest 9 no longer reads (it keeps
`_id`), so every test is scheduled alone. `WorldScheduling` overrides `_split_scope` of xdist's
LoadScopeScheduling, as xdist's own LoadFileScheduling does: a protected method of the pinned
pytest-xdist==3.8.0, named in docs/testing.md; tests/unit/test_scheduling.py fails when it stops
applying.
"""

from __future__ import annotations

from collections.abc import Iterable

from xdist.scheduler import LoadScopeScheduling

# Modules that share a session-scoped world (a fixture of a conftest below tests/), one unit each.
SHARED_WORLDS: dict[str, tuple[str, ...]] = {
    "faults county": (
        "tests/faults/test_crash_safety.py",
        "tests/faults/test_erasure.py",
        "tests/faults/test_retention.py",
    ),
    "statutory world": (
        "tests/integration/statutory/test_pay_recompute.py",
        "tests/integration/statutory/test_statutory_recompute.py",
    ),
    "published release": (
        "tests/integration/publication/test_no_personal_data.py",
        "tests/integration/publication/test_pack_browser.py",
        "tests/integration/publication/test_personal_data_gate.py",
        "tests/integration/publication/test_publish.py",
        "tests/integration/publication/test_publish_audiences.py",
        "tests/integration/publication/test_publish_refusals.py",
        "tests/integration/serving/test_publish_serving.py",
    ),
    # One unit: the kpi and dbt conftests each register warehouse_world's `small_world`, which
    # builds its home once per process (a marker under the process's basetemp), so two units
    # on two processes built it twice.
    "kpi and dbt worlds": (
        "tests/integration/dbt/test_build.py",
        "tests/integration/dbt/test_forecast.py",
        "tests/integration/dbt/test_gate_rules.py",
        "tests/integration/kpi/test_incremental.py",
        "tests/integration/kpi/test_order_independence.py",
        "tests/integration/kpi/test_recompute.py",
        "tests/integration/kpi/test_reconciliation.py",
    ),
    "identity world": (
        "tests/integration/identity/test_identity_asset.py",
        "tests/integration/identity/test_identity_resolution.py",
        "tests/integration/identity/test_identity_review.py",
        "tests/integration/identity/test_subject_access.py",
    ),
    "nightly world": (
        "tests/integration/orchestration/test_nightly_job.py",
        "tests/integration/publication/test_restatements.py",
    ),
    "dbt manifest": (
        "tests/integration/dbt/test_audiences.py",
        "tests/integration/dbt/test_project_rules.py",
    ),
    "simulator home": (
        "tests/unit/simulator/test_cards.py",
        "tests/unit/simulator/test_conformance.py",
        "tests/unit/simulator/test_defects.py",
        "tests/unit/simulator/test_pay_extracts.py",
        "tests/unit/simulator/test_volumes.py",
    ),
}

# The session fixtures (name, folder of the conftest that defines it) behind each unit: a module
# below that folder using one must be in its unit (checked at collection, `undeclared_borrowers`).
# Not here: pg_cluster (tests/integration/serving), cheap enough to start on both processes.
WORLD_FIXTURES: dict[tuple[str, str], str] = {
    ("refreshed_world", "tests/faults/"): "faults county",
    ("published", "tests/integration/"): "published release",
    ("world_instance", "tests/integration/"): "published release",
    ("nightly_world", "tests/integration/"): "nightly world",
    ("defects_nights", "tests/integration/kpi/"): "kpi and dbt worlds",
    ("defects_world", "tests/integration/kpi/"): "kpi and dbt worlds",
    ("small_world", "tests/integration/kpi/"): "kpi and dbt worlds",
    ("small_world", "tests/integration/identity/"): "identity world",
    ("small_world", "tests/integration/dbt/"): "kpi and dbt worlds",
    ("manifest", "tests/integration/dbt/"): "dbt manifest",
    ("clean_home", "tests/unit/simulator/"): "simulator home",
    ("world", "tests/integration/statutory/"): "statutory world",
}

# The longest units (durations of the whole run recorded in docs/testing.md), longest first; the
# rest follow in collection order.
LONGEST_FIRST: tuple[str, ...] = (
    "faults county",
    "published release",
    "tests/e2e/test_cli.py",
    "tests/e2e/test_ui.py",
    "nightly world",
    "tests/e2e/test_refresh_summary.py",
    "kpi and dbt worlds",
    "tests/integration/serving/test_team_deployment.py",
    "tests/integration/orchestration/test_launch.py",
    "tests/integration/serving/test_schedule_on_postgres.py",
    "tests/integration/kpi/test_month_completeness.py",
)

_UNIT_OF_MODULE = {module: unit for unit, modules in SHARED_WORLDS.items() for module in modules}


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its module's shared world, else its module."""
    module = nodeid.split("::", 1)[0]
    return _UNIT_OF_MODULE.get(module, module)


def start_rank(nodeid: str) -> int:
    """Where a test's unit starts: the longest units first, the rest after them in collection order."""
    unit = unit_of(nodeid)
    return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)


def undeclared_borrowers(fixtures_of_module: dict[str, Iterable[str]]) -> list[str]:
    """Modules that use a shared world's fixture outside its declared unit: that world would be
    built again on the other process. `fixtures_of_module` maps a module to its tests' fixtures."""
    problems = []
    for module, fixtures in sorted(fixtures_of_module.items()):
        for (fixture, folder), unit in WORLD_FIXTURES.items():
            if fixture in set(fixtures) and module.startswith(folder) and unit_of(module) != unit:
                problems.append(
                    f"{module} uses the session world `{fixture}` of {folder}conftest.py but is not in "
                    f"the unit {unit!r}: add it there in tests/scheduling.py SHARED_WORLDS"
                )
    return problems


class WorldScheduling(LoadScopeScheduling):
    """--dist loadfile, with the modules of one shared world as one unit (module docstring)."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)
