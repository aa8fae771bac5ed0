"""The release of a small simulated county split by audience, as the dbt meta declares it: each
set complete in its formats, no person key outside restricted, the restricted set for its owner
alone, the open set free of small counts of people - and that last rule blocking a release.

Runs on the publication world (conftest) after test_publish.py, which reads the nightly run's own
release: the last test here publishes again."""

import json
import stat

import duckdb
import pytest
from published_world import released
from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry
from test_publish import tree_state
from test_publish_refusals import failure_text

from ingestion.layout import Layout
from orchestration.warehouse import prepare_manifest
from publication.audiences import SETS, AudiencePlan

pytestmark = pytest.mark.slow

EXTRACT = TableName("Extract", "Extract")


@pytest.fixture(scope="module")
def plan() -> AudiencePlan:
    """Where the dbt meta puts each table: what the definitions' release asset was given."""
    manifest = prepare_manifest(Layout.from_env())  # the session's, as the definitions read it
    return AudiencePlan.from_manifest(json.loads(manifest.read_text(encoding="utf-8")))


def test_each_set_holds_the_tables_its_audience_sees_in_each_of_its_formats(published, plan):
    home, _ = published
    current = home / "published" / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    sets = manifest["audiences"]
    for audience, section in sets.items():
        folder = current / section["folder"]
        expected = sorted(t for t in manifest["tables"] if plan.audiences[t] in SETS[audience])
        assert sorted(section["tables"]) == expected, audience
        with duckdb.connect(str(folder / "insight_hub.duckdb"), read_only=True) as con:
            assert (
                sorted(r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall())
                == expected
            )
        for fmt in ("parquet", "hyper"):
            found = sorted(p.stem for p in (folder / fmt).glob(f"*.{fmt}"))
            assert found == (expected if fmt in section["formats"] else []), (audience, fmt)
    assert {"customer_360", "dim_customer", "fct_contacts"} <= set(sets["restricted"]["tables"])
    assert {
        "open_workforce_monthly",
        "open_csc_monthly",
        "open_digital_monthly",
        "transparency_spend_over_500",
    } <= set(sets["open"]["tables"])
    assert sets["restricted"]["formats"] == ["duckdb"]  # no Parquet or Hyper copy unless configured
    # The open set carries the transparency files; published/transparency/ is their public copy.
    files = sorted(p.name for p in (current / "open" / "transparency").glob("*.csv"))
    assert files and files == sorted(p.name for p in (home / "published" / "transparency").glob("*.csv"))
    assert not (current / "transparency").exists()


def test_no_set_but_restricted_holds_a_customer_key_in_any_format(published):
    home, _ = published
    current = home / "published" / "current"
    for folder in (current, current / "open"):
        with duckdb.connect(str(folder / "insight_hub.duckdb"), read_only=True) as con:
            columns = {r[0] for r in con.execute("select column_name from duckdb_columns()").fetchall()}
            parquet = {
                r[0]
                for path in (folder / "parquet").glob("*.parquet")
                for r in con.execute(f"select name from parquet_schema('{path}')").fetchall()
            }
        with HyperProcess(
            Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(home / "logs")}
        ) as hyper:
            extracts = set()
            for path in (folder / "hyper").glob("*.hyper"):
                with Connection(hyper.endpoint, str(path)) as c:
                    extracts |= {
                        col.name.unescaped for col in c.catalog.get_table_definition(EXTRACT).columns
                    }
        assert columns and parquet and extracts
        assert "customer_key" not in columns | parquet | extracts, folder
    with duckdb.connect(str(current / "restricted" / "insight_hub.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from bi.customer_360").fetchone()[0] > 0


def test_the_restricted_set_is_readable_by_its_owner_alone(published):
    home, _ = published
    restricted = home / "published" / "current" / "restricted"
    modes = {
        p.relative_to(restricted).as_posix(): stat.S_IMODE(p.stat().st_mode)
        for p in [restricted, *restricted.rglob("*")]
    }
    assert modes == {".": 0o700, "insight_hub.duckdb": 0o400, "dictionary.csv": 0o400, "manifest.json": 0o400}


def test_the_open_set_holds_no_count_of_people_from_1_to_7(published, plan):
    home, _ = published
    people = [(t, c) for t, kinds in plan.counts.items() for c, kind in kinds.items() if kind == "people"]
    assert len(people) >= 8
    with duckdb.connect(
        str(home / "published" / "current" / "open" / "insight_hub.duckdb"), read_only=True
    ) as con:
        small = {
            (t, c): con.execute(f'select count(*) from bi.{t} where "{c}" between 1 and 7').fetchone()[0]
            for t, c in people
        }
        withheld = sum(
            con.execute(f'select count(*) from bi.{t} where "{c}" is null').fetchone()[0] for t, c in people
        )
    assert set(small.values()) == {0}
    assert withheld > 0  # the small world does have small counts: they are withheld, not absent


def test_a_small_count_of_people_in_the_open_set_blocks_the_release(published, gate_and_publish):
    home, _ = published
    state = tree_state(home / "published")
    table = "bi.open_workforce_monthly"
    with duckdb.connect(str(home / "warehouse.duckdb")) as warehouse:  # kept outside `bi`
        warehouse.execute(f"create table main.open_kept as select * from {table}")
        warehouse.execute(
            f"update {table} set starters = 3, starters_suppressed = false "
            f"where rowid = (select min(rowid) from {table})"
        )
    try:
        result = gate_and_publish(home)
    finally:  # the same rows in the same table: the same fingerprint its checks judged
        with duckdb.connect(str(home / "warehouse.duckdb")) as warehouse:
            warehouse.execute(f"delete from {table}")
            warehouse.execute(f"insert into {table} select * from main.open_kept")
            warehouse.execute("drop table main.open_kept")
    assert not released(result)
    said = failure_text(result)
    assert "release refused" in said
    assert "open/open_workforce_monthly.starters: 1 count(s) of people between 1 and 7" in said
    assert tree_state(home / "published") == state
    # Restored (the same content as its checks judged), the release goes ahead.
    assert released(gate_and_publish(home))
