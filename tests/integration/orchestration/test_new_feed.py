"""Adding a daily CSV feed touches four files (docs/architecture.md, "Adding a feed"): its FeedSpec,
its staging model, its entry in the dbt sources, its simulator writer. Everything else - the raw
table, its Dagster asset and daily partitions, row conservation, its GX suite, its freshness check,
the landing sensor's folders, the personal-data scan - is derived from FEEDS.

The fast tests show the derivation on the real registry; the slow one makes the four edits in a
copy of the repository and runs the copy: the new feed is simulated, ingested, judged by a suite
generated from its FeedSpec and built by its staging model, with no other file touched; the
simulator's conformance tests (every file against its FeedSpec) pass on the copy.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml
from private_home import definitions

from identity import records
from ingestion import FEEDS
from orchestration.operations.schedule import FEED_PATHS
from orchestration.resources import DBT_PROJECT_DIR, REPO_ROOT

# The four edits of the worked example, as docs/architecture.md shows them.
FEED_SPEC = """
SURVEYS = FeedSpec(
    table="csc_surveys",
    feed_path="csc/surveys",
    file_prefix="surveys_",
    extension=".csv",
    format="csv",
    cadence="daily",
    load="append",
    columns=(
        Column("survey_id", "key", not_null=True),
        Column("answered_on", "iso_date", not_null=True),
        Column("score", "integer", not_null=True, accepted=("1", "2", "3", "4", "5")),
    ),
    keys=("survey_id",),
    description="One record per after-contact survey answered.",
)

FEEDS = (CONTACTS, SURVEYS)
"""
STAGING_MODEL = """-- After-contact surveys: one row per survey_id (a survey delivered again is taken from the
-- later file, then the later line).
with surveys as (
    {{ latest_version(source('csc', 'csc_surveys'), ['survey_id'], order_by=[]) }}
)

select
    survey_id,
    answered_on,
    score
from surveys
"""
SOURCE_ENTRY = """      - name: csc_surveys
        description: After-contact surveys, every daily file.
        meta: {dagster: {asset_key: ["raw", "csc_surveys"]}}
"""
SIMULATOR_WRITER = '''
def surveys(w: World, day: np.datetime64) -> FileOut:
    """After-contact surveys: twenty answered each day, scored 1 to 5."""
    stamp = str(np.datetime_as_string(day, unit="D"))
    scores = np.random.default_rng([w.seed, int(day.astype(np.int64))]).integers(1, 6, 20)
    return FileOut(
        feed="csc/surveys",
        name=f"surveys_{stamp.replace('-', '')}.csv",
        fmt="csv",
        columns=["survey_id", "answered_on", "score"],
        data={
            "survey_id": np.array([f"S{stamp}-{i}" for i in range(20)]),
            "answered_on": np.full(20, stamp),
            "score": scores.astype(str),
        },
    )


'''
SIMULATOR_ENTRY = '    Feed("csc/surveys", "surveys", "csv", "daily", surveys),\n'

# Run inside the copy: simulate, prepare, load the copy's definitions, run the new feed's asset,
# its checks and its staging model, and report what the warehouse holds.
RUN = """
import json, os, sys
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

import orchestration
from ingestion.layout import Layout
from orchestration.definitions import load_definitions
from orchestration.ingestion import days_to_run, range_tags
from orchestration.operations.schedule import FEED_PATHS
from orchestration.resources import configure_environment
from orchestration.warehouse import prepare_manifest
from simulator import simulate

home = configure_environment()
simulate(home, scale=0.01, start=date(2025, 4, 1), days=3, seed=5, defects=0.0)
prepare_manifest(Layout(home))
defs = load_definitions()
raw, stg = dg.AssetKey(["raw", "csc_surveys"]), dg.AssetKey(["staging", "stg_csc__surveys"])
graph = defs.resolve_asset_graph()
checks = {c for c in graph.asset_check_keys if c.asset_key == raw}
selection = dg.AssetSelection.assets(raw, stg).without_checks() | dg.AssetSelection.checks(
    *(c for c in checks if c.name != "arrived_on_time")
)
job = dg.define_asset_job("new_feed", selection=selection)
job = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("new_feed")
result = job.execute_in_process(
    instance=dg.DagsterInstance.ephemeral(), tags=range_tags(days_to_run(home)), raise_on_error=False
)
evaluations = {
    e.event_specific_data.check_name: (e.event_specific_data.passed, {
        k: v.value for k, v in e.event_specific_data.metadata.items() if k == "expectations_evaluated"
    })
    for e in result.all_events
    if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
}
with duckdb.connect(str(Layout(home).warehouse), read_only=True) as con:
    raw_rows = con.execute("select count(*) from raw.csc_surveys").fetchone()[0]
    staged = con.execute("select count(*), min(score), max(score) from staging.stg_csc__surveys").fetchone()
print(json.dumps({
    "code": str(Path(orchestration.__file__).parent.parent),
    "success": result.success,
    "partitioned": graph.get(raw).partitions_def is not None,
    "group": graph.get(raw).group_name,
    "checks": sorted(c.name for c in checks),
    "landing_folders": "csc/surveys" in FEED_PATHS,
    "evaluations": evaluations,
    "raw_rows": raw_rows,
    "staged": list(staged),
}))
"""


def test_every_per_feed_registry_is_derived_from_feeds():
    """Assets, partitions, checks, the landing sensor's folders: one of each per FeedSpec, none other."""
    graph = definitions().resolve_asset_graph()
    raw_assets = {k.path[1] for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    assert raw_assets == {spec.table for spec in FEEDS}
    for spec in FEEDS:
        key = dg.AssetKey(["raw", spec.table])
        names = {c.name for c in graph.asset_check_keys if c.asset_key == key}
        assert {"row_conservation", f"gx_raw_{spec.table}", "arrived_on_time"} <= names, spec.table
        assert (graph.get(key).partitions_def is not None) == (spec.cadence == "daily"), spec.table
    assert set(FEED_PATHS) == {spec.feed_path for spec in FEEDS}


def test_identity_depends_on_exactly_the_raw_tables_it_reads():
    """Derived from identity.records, not listed by module: a new feed of a module identity reads
    (the surveys of csc_crm) is no dependency of customer resolution."""
    graph = definitions().resolve_asset_graph()
    raw = {
        k.path[1]
        for k in graph.get(dg.AssetKey(["restricted", "customer_xref"])).parent_keys
        if k.path[0] == "raw"
    }
    assert raw == set(records.SOURCE_TABLES)
    assert raw <= {spec.table for spec in FEEDS}


def test_every_raw_dbt_source_is_a_feed_keyed_to_its_asset():
    """The one dbt edit a feed needs besides its staging model: its sources entry, keyed to its asset
    (feeds read only by the identity step, the services' person indexes, need none)."""
    declared = {}
    for path in (DBT_PROJECT_DIR / "models" / "staging").rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source.get("schema") == "raw":
                for table in source["tables"]:
                    declared[table["name"]] = table["meta"]["dagster"]["asset_key"]
    assert declared and set(declared) <= {spec.table for spec in FEEDS}
    assert all(key == ["raw", name] for name, key in declared.items())


def copy_of_the_repository(target: Path) -> Path:
    skip = shutil.ignore_patterns("__pycache__", "target", "logs", "dbt_packages", ".user.yml")
    for folder in (
        "cli",
        "orchestration",
        "ingestion",
        "identity",
        "publication",
        "expectations",
        "simulator",
    ):
        shutil.copytree(REPO_ROOT / folder, target / folder, ignore=skip)
    shutil.copytree(DBT_PROJECT_DIR, target / "dbt_project", ignore=skip)
    # The feed-generic simulator tests: the files of every feed against its FeedSpec.
    shutil.copytree(REPO_ROOT / "tests" / "unit" / "simulator", target / "tests" / "simulator", ignore=skip)
    return target


def add_the_feed(repo: Path) -> list[str]:
    """The four edits of the worked example; returns the files touched."""
    spec = repo / "ingestion" / "csc_crm.py"
    text = spec.read_text()
    assert "FEEDS = (CONTACTS,)\n" in text
    spec.write_text(text.replace("FEEDS = (CONTACTS,)\n", FEED_SPEC.lstrip("\n")))

    model = repo / "dbt_project" / "models" / "staging" / "csc" / "stg_csc__surveys.sql"
    model.write_text(STAGING_MODEL)

    sources = repo / "dbt_project" / "models" / "staging" / "csc" / "_csc__sources.yml"
    sources.write_text(sources.read_text().rstrip("\n") + "\n" + SOURCE_ENTRY)

    writers = repo / "simulator" / "feeds.py"
    text = writers.read_text()
    last = "    *[_index_feed(s) for s in SYSTEMS],\n]\n"
    assert "FEEDS: list[Feed] = [" in text and last in text
    text = text.replace("FEEDS: list[Feed] = [", SIMULATOR_WRITER.lstrip("\n") + "FEEDS: list[Feed] = [")
    writers.write_text(text.replace(last, last[:-2] + SIMULATOR_ENTRY + "]\n"))
    return [str(p.relative_to(repo)) for p in (spec, model, sources, writers)]


@pytest.mark.slow
def test_a_new_daily_csv_feed_in_four_files_is_simulated_ingested_judged_and_staged(tmp_path: Path):
    repo = copy_of_the_repository(tmp_path / "repo")
    touched = add_the_feed(repo)
    assert len(touched) == 4
    env = {**os.environ, "PYTHONPATH": str(repo), "INSIGHT_HUB_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", RUN], cwd=repo, env=env, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["code"] == str(repo)  # the copy ran, not the installed tree
    assert seen["success"], seen
    assert seen["partitioned"] and seen["group"] == "ingestion" and seen["landing_folders"]
    assert seen["checks"] == ["arrived_on_time", "gx_raw_csc_surveys", "row_conservation"]
    passed, gx = seen["evaluations"]["gx_raw_csc_surveys"]
    assert passed and gx["expectations_evaluated"] > 0  # the suite generated from the FeedSpec
    assert seen["evaluations"]["row_conservation"][0]
    assert seen["raw_rows"] == 3 * 20  # three days of twenty surveys
    rows, lowest, highest = seen["staged"]
    assert rows == 60 and 1 <= lowest <= highest <= 5  # built by its staging model, typed by its spec
    # The simulator's conformance tests pass on the copy, the new feed's files among those they read.
    conformance = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/simulator/test_conformance.py",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert conformance.returncode == 0, conformance.stdout[-3000:]
