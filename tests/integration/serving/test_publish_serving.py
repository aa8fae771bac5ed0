"""The team configuration end to end: the publication world (tests/integration/conftest.py, a small
simulated county through the real nightly job) gated and published with INSIGHT_HUB_SERVING_URL set:
the release loaded and switched in PostgreSQL, a second publish switched, `insight-hub rollback`
switching both back, and a serving database that refuses failing the publish with the files and
PostgreSQL both left on the current release. (The nightly job launched with the URL set, through
the UI, is test_team_deployment's.)"""

import json
import os

import dagster as dg
import psycopg
import pytest
from private_home import run_job
from psycopg import sql
from published_world import RELEASE_KEY, released

from cli import main as cli
from ingestion.layout import Layout, Release
from publication import serving
from publication.release import current_release

pytestmark = pytest.mark.slow
# The publish step alone: it finds the gate's evaluations of the first publish in the same instance.
PUBLISH_ONLY = dg.define_asset_job("publish_only", selection=dg.AssetSelection.assets(RELEASE_KEY))


def stable_views(conn: psycopg.Connection) -> dict[str, set[str]]:
    views: dict[str, set[str]] = {}
    for schema, view in conn.execute("select schemaname, viewname from pg_views where schemaname like 'bi%'"):
        views.setdefault(schema, set()).add(view)
    return views


def test_publish_and_rollback_in_the_serving_database(published, world_instance, serving_url, monkeypatch):
    home, _ = published
    instance = world_instance
    monkeypatch.setenv("INSIGHT_HUB_SERVING_URL", serving_url)
    # The gate on the world's current tables, then the publish step (`insight-hub publish`): the
    # publication tests that ran before may have left a refused verdict on a restored table.
    first = run_job(home, "publish_release", monkeypatch, instance=instance)
    assert first.success and released(first)
    store = Layout(home).published
    r1 = current_release(store.root)
    manifest = json.loads(Release(store.release(r1)).manifest.read_text())
    with psycopg.connect(serving_url) as conn:
        assert serving.current(conn) == r1
        assert stable_views(conn) == {
            "bi": set(manifest["audiences"]["internal"]["tables"]),
            "bi_open": set(manifest["audiences"]["open"]["tables"]),
            "bi_restricted": set(manifest["audiences"]["restricted"]["tables"]),
        }
        for table, info in manifest["tables"].items():
            target = sql.Identifier(serving.schema_of(r1), table)
            rows = conn.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
            assert rows == info["rows"], table
        described = conn.execute(
            "select count(*) from pg_description d join pg_class c on c.oid = d.objoid "
            "join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s and d.objsubid = 0",
            [serving.schema_of(r1)],
        ).fetchone()[0]
        assert described == len(manifest["tables"])  # every table carries its dbt description

    second = run_job(home, "publish_only", monkeypatch, extra_jobs=(PUBLISH_ONLY,), instance=instance)
    assert second.success
    r2 = current_release(store.root)
    assert r2 != r1
    with psycopg.connect(serving_url) as conn:
        assert serving.current(conn) == r2

    monkeypatch.setenv("INSIGHT_HUB_HOME", str(home))
    assert cli.main(["rollback", "--to", r1]) == cli.EXIT_OK
    assert current_release(store.root) == r1
    with psycopg.connect(serving_url) as conn:
        assert serving.current(conn) == r1
        view = conn.execute("select definition from pg_views where schemaname = 'bi' limit 1").fetchone()[0]
        assert serving.schema_of(r1) in view

    # A switch that cannot happen (a transaction older than the load stays open): the files switch
    # back, the release is discarded from both, both stay on r1.
    before = sorted(os.listdir(store.releases))
    monkeypatch.setenv("INSIGHT_HUB_SERVING_SWITCH_WAIT", "1")
    with psycopg.connect(serving_url) as old_snapshot:
        old_snapshot.execute("select 1")  # a transaction open across the whole publish
        blocked = run_job(home, "publish_only", monkeypatch, extra_jobs=(PUBLISH_ONLY,), instance=instance)
    assert not blocked.success
    assert current_release(store.root) == r1
    assert sorted(os.listdir(store.releases)) == before
    with psycopg.connect(serving_url) as conn:
        assert serving.current(conn) == r1
        loaded = {r[0] for r in conn.execute("select release_id from insight_hub_serving.releases")}
        assert loaded == {r1, r2}

    # A serving database that refuses: the publish fails, both stay on r1, no new release is left.
    monkeypatch.setenv("INSIGHT_HUB_SERVING_URL", serving_url.replace("/t_", "/missing_"))
    refused = run_job(home, "publish_only", monkeypatch, extra_jobs=(PUBLISH_ONLY,), instance=instance)
    assert not refused.success
    assert current_release(store.root) == r1
    assert sorted(os.listdir(store.releases)) == before
    with psycopg.connect(serving_url) as conn:
        assert serving.current(conn) == r1
