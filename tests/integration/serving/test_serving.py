"""The serving database on a real PostgreSQL 15: bulk load into a schema per release, the stable
schemas switched atomically (a reader sees the old release or the new one, never a mix), the
audience roles enforced on real connections, and every refusal leaving the current release as it was."""

import json
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql
from serving_releases import ROWS, make_release

from publication import serving
from publication.serving import READERS, ServingError, TableDocs

DOCS = {
    "fct_spend": TableDocs(
        description="One row per expense line.", columns={"amount": "Net amount, GBP."}, grain=("line_key",)
    ),
    "customer_360": TableDocs(grain=("customer_key",)),
}


def shown(url: str, schema: str, table: str) -> set[str]:
    """Which releases a stable view shows (every value names its release)."""
    column = {"kpi_open_monthly": "directorate", "fct_spend": "line_key", "customer_360": "customer_key"}[
        table
    ]
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            sql.SQL("select distinct split_part({}, '-', 1) from {}").format(
                sql.Identifier(column), sql.Identifier(schema, table)
            )
        ).fetchall()
    return {r[0] for r in rows}


def count(conn: psycopg.Connection, query: str | sql.Composed) -> int:
    return conn.execute(query).fetchone()[0]


def test_release_loaded_in_bulk_and_switched(serving_url, tmp_path):
    folder = make_release(tmp_path, "20260101T010101Z")
    assert serving.publish(serving_url, folder, DOCS) == "release_20260101t010101z"
    with psycopg.connect(serving_url) as conn:
        assert serving.current(conn) == "20260101T010101Z"
        views = conn.execute(
            "select schemaname, viewname from pg_views where schemaname like 'bi%' order by 1, 2"
        ).fetchall()
        assert views == [
            ("bi", "fct_spend"),
            ("bi", "kpi_open_monthly"),
            ("bi_open", "kpi_open_monthly"),
            ("bi_restricted", "customer_360"),
        ]
        types = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'release_20260101t010101z' and table_name = 'fct_spend'"
            ).fetchall()
        )
        assert types == {
            "line_key": "text",
            "amount": "numeric",
            "posted": "timestamp without time zone",
            "paid": "boolean",
        }
        # NULL stays NULL and '' stays '' through the CSV stream; decimals exact.
        assert count(conn, "select count(*) from bi.fct_spend where paid is null") == 72
        assert count(conn, "select count(*) from bi_restricted.customer_360 where district = ''") == ROWS // 5
        assert conn.execute("select amount from bi.fct_spend where line_key like '%-3'").fetchone()[0] == (
            Decimal("3.75")
        )
        comments = conn.execute(
            "select obj_description('release_20260101t010101z.fct_spend'::regclass), "
            "col_description('release_20260101t010101z.fct_spend'::regclass, 2)"
        ).fetchone()
        assert comments == ("One row per expense line.", "Net amount, GBP.")
        indexes = {
            r[0]
            for r in conn.execute(
                "select indexdef from pg_indexes where schemaname = 'release_20260101t010101z'"
            ).fetchall()
        }
        assert any("UNIQUE INDEX fct_spend_grain" in i and "(line_key)" in i for i in indexes)
        assert any("UNIQUE INDEX customer_360_grain" in i for i in indexes)
        for schema, table in [
            ("bi", "fct_spend"),
            ("bi_open", "kpi_open_monthly"),
            ("bi", "kpi_open_monthly"),
        ]:
            assert (
                conn.execute(
                    sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table))
                ).fetchone()[0]
                == ROWS
            )


def test_reader_in_a_transaction_sees_old_or_new_never_a_mix(serving_url, tmp_path):
    serving.publish(serving_url, make_release(tmp_path, "20260101T000000Z"))
    new = make_release(tmp_path, "20260102T000000Z")
    with serving.connect(serving_url) as conn:
        serving.load_release(conn, new, {})
    reader = psycopg.connect(serving_url)
    reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    seen = [reader.execute("select distinct directorate from bi.kpi_open_monthly").fetchall()]
    switch = threading.Thread(
        target=lambda: serving.switch_release(psycopg.connect(serving_url, autocommit=True), new.name, 30)
    )
    switch.start()
    time.sleep(2.5)  # the switch is trying (and backing off) while the reader's transaction is open
    assert switch.is_alive()
    seen.append(reader.execute("select distinct split_part(line_key, '-', 1) from bi.fct_spend").fetchall())
    seen.append(reader.execute("select distinct directorate from bi.kpi_open_monthly").fetchall())
    reader.commit()
    switch.join(30)
    assert not switch.is_alive()
    assert seen == [[("20260101T000000Z",)]] * 3
    # The next transaction sees the new release in every stable schema.
    assert {
        *shown(serving_url, "bi", "fct_spend"),
        *shown(serving_url, "bi", "kpi_open_monthly"),
        *shown(serving_url, "bi_open", "kpi_open_monthly"),
        *shown(serving_url, "bi_restricted", "customer_360"),
    } == {"20260102T000000Z"}
    reader.close()


def test_switch_waits_for_transactions_older_than_the_load(serving_url, tmp_path):
    """A snapshot taken before the load would see the new tables empty: the switch waits, then refuses."""
    serving.publish(serving_url, make_release(tmp_path, "20260101T000000Z"))
    old_snapshot = psycopg.connect(serving_url)
    old_snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    old_snapshot.execute("select 1")
    new = make_release(tmp_path, "20260102T000000Z")
    with serving.connect(serving_url) as conn:
        serving.load_release(conn, new, {})
        with pytest.raises(ServingError, match="older than the load are still open"):
            serving.switch_release(conn, new.name, wait=1)
        assert serving.current(conn) == "20260101T000000Z"
    old_snapshot.commit()
    old_snapshot.close()
    assert serving.publish(serving_url, new) == "release_20260102t000000z"


def test_rollback_switches_back_and_prune_keeps_the_current(serving_url, tmp_path):
    for day in ("01", "02", "03"):
        serving.publish(serving_url, make_release(tmp_path, f"202601{day}T000000Z"))
    assert shown(serving_url, "bi", "fct_spend") == {"20260103T000000Z"}
    serving.publish(serving_url, tmp_path / "releases" / "20260101T000000Z")  # already loaded: switch only
    assert shown(serving_url, "bi", "fct_spend") == {"20260101T000000Z"}
    assert serving.prune(serving_url, keep=1) == ["20260102T000000Z"]  # 01 is current, 03 the newest
    with psycopg.connect(serving_url) as conn:
        schemas = {
            r[0] for r in conn.execute("select nspname from pg_namespace where nspname like 'release_%'")
        }
    assert schemas == {"release_20260101t000000z", "release_20260103t000000z"}
    assert not serving.discard(serving_url, "20260101T000000Z")  # current: kept
    assert serving.discard(serving_url, "20260103T000000Z")
    with psycopg.connect(serving_url) as conn:
        schemas = conn.execute("select nspname from pg_namespace where nspname like 'release_%'").fetchall()
        assert schemas == [("release_20260101t000000z",)]
        assert not serving.is_loaded(conn, "20260103T000000Z")


def test_failed_load_leaves_the_current_release(serving_url, tmp_path):
    serving.publish(serving_url, make_release(tmp_path, "20260101T000000Z"))
    bad = make_release(tmp_path, "20260102T000000Z")
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["tables"]["kpi_open_monthly"]["rows"] = 501  # the last table loaded: the others were
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ServingError, match="kpi_open_monthly loaded 500 rows, the manifest says 501"):
        serving.publish(serving_url, bad)
    with psycopg.connect(serving_url) as conn:
        assert serving.current(conn) == "20260101T000000Z"
        assert (
            conn.execute(
                "select count(*) from pg_namespace where nspname = 'release_20260102t000000z'"
            ).fetchone()[0]
            == 0
        )
    assert shown(serving_url, "bi", "fct_spend") == {"20260101T000000Z"}


def test_guards_name_the_problem(serving_url, tmp_path):
    with serving.connect(serving_url) as conn:
        serving.ensure_roles(conn)
        with pytest.raises(ServingError, match="release 20990101T000000Z is not loaded"):
            serving.switch_release(conn, "20990101T000000Z")
    with pytest.raises(ServingError, match=r"customer_360.tags: DuckDB type VARCHAR\[\] has no PostgreSQL"):
        serving._pg_type("customer_360", {"name": "tags", "type": "VARCHAR[]"})
    with pytest.raises(ServingError, match="cannot connect to the serving database"):
        serving.publish("postgresql://nobody@/none?host=/nonexistent&port=1", tmp_path)


def member(url: str, role: str) -> str:
    """A login role that is a member of `role` (as a person or Tableau would be), and its URL."""
    login = f"{role}_login"
    with psycopg.connect(url, autocommit=True) as admin:
        if not admin.execute("select 1 from pg_roles where rolname = %s", [login]).fetchone():
            admin.execute(
                sql.SQL("create role {} login in role {}").format(sql.Identifier(login), sql.Identifier(role))
            )
    return url.replace("postgresql://postgres@", f"postgresql://{login}@")


CAN_READ = {
    "open": {("bi_open", "kpi_open_monthly")},
    "internal": {("bi", "kpi_open_monthly"), ("bi", "fct_spend")},
    "restricted": {("bi_restricted", "customer_360")},
}
EVERY_TABLE = {
    ("bi_open", "kpi_open_monthly"),
    ("bi", "kpi_open_monthly"),
    ("bi", "fct_spend"),
    ("bi_restricted", "customer_360"),
    ("release_20260101t000000z", "fct_spend"),
    ("release_20260101t000000z", "customer_360"),
    ("insight_hub_serving", "releases"),
}


@pytest.mark.parametrize("audience", ["open", "internal", "restricted"])
def test_each_reader_reads_its_audience_only_and_writes_nothing(serving_url, tmp_path, audience):
    serving.publish(serving_url, make_release(tmp_path, "20260101T000000Z"))
    with psycopg.connect(member(serving_url, READERS[audience]), autocommit=True) as conn:
        for schema, table in sorted(EVERY_TABLE):
            target = sql.Identifier(schema, table)
            if (schema, table) in CAN_READ[audience]:
                assert conn.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0] == ROWS
            else:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql.SQL("select 1 from {} limit 1").format(target))
        writes = [
            sql.SQL("delete from {}").format(sql.Identifier(*sorted(CAN_READ[audience])[0])),
            sql.SQL("insert into {} select * from {}").format(
                sql.Identifier(*sorted(CAN_READ[audience])[0]), sql.Identifier(*sorted(CAN_READ[audience])[0])
            ),
            sql.SQL("create table public.mine (x int)"),
            sql.SQL("create table {}.mine (x int)").format(sql.Identifier(sorted(CAN_READ[audience])[0][0])),
            sql.SQL("create temporary table mine (x int)"),
            sql.SQL("create schema mine"),
            sql.SQL("drop view {}").format(sql.Identifier(*sorted(CAN_READ[audience])[0])),
        ]
        for statement in writes:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_withdrawal_drops_the_schemas_of_releases_built_before_a_removal(serving_url, tmp_path):
    for day in ("01", "02", "03"):
        serving.publish(serving_url, make_release(tmp_path, f"202601{day}T000000Z"))
    # An erasure at 02T12: 01 and 02 hold the person; 03 (current) was built after.
    assert serving.withdraw(serving_url, "20260102T120000Z") == (["20260101T000000Z", "20260102T000000Z"], [])
    with psycopg.connect(serving_url) as conn:
        schemas = [r[0] for r in conn.execute("select nspname from pg_namespace where nspname ~ '^release_'")]
        assert schemas == ["release_20260103t000000z"] and serving.current(conn) == "20260103T000000Z"
    assert shown(serving_url, "bi", "fct_spend") == {"20260103T000000Z"}

    # The current release holds the person too (the rebuild could not publish): it goes as well,
    # and the stable views with it: nothing is served until a release built after is published.
    assert serving.withdraw(serving_url, "20260104T000000Z") == (["20260103T000000Z"], [])
    with psycopg.connect(serving_url) as conn:
        assert count(conn, "select count(*) from pg_namespace where nspname like 'release_%'") == 0
        assert count(conn, "select count(*) from pg_views where schemaname like 'bi%'") == 0
        assert serving.current(conn) is None
    serving.publish(serving_url, make_release(tmp_path, "20260105T000000Z"))
    assert shown(serving_url, "bi_restricted", "customer_360") == {"20260105T000000Z"}


def test_a_release_a_reader_holds_is_withdrawn_at_the_next_attempt(serving_url, tmp_path):
    for day in ("01", "02"):
        serving.publish(serving_url, make_release(tmp_path, f"202601{day}T000000Z"))
    serving.publish(serving_url, tmp_path / "releases" / "20260101T000000Z")  # rolled back to 01
    reader = psycopg.connect(serving_url)
    reader.execute("select count(*) from bi.fct_spend").fetchone()  # holds 01's views until it ends
    try:
        assert serving.withdraw(serving_url, "20260101T120000Z") == ([], ["20260101T000000Z"])
    finally:
        reader.rollback()
        reader.close()
    assert serving.withdraw(serving_url, "20260101T120000Z") == (["20260101T000000Z"], [])
